/** Runnable examples of Reverl as a library. */
package org.reverl.examples;
