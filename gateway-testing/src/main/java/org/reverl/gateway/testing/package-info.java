/**
 * Test fakes for strategy and probe authors: {@link org.reverl.gateway.testing.FakeBackend}. Use at test scope.
 */
package org.reverl.gateway.testing;
