/**
 * <em>Internal-use-only</em>: the Netty handlers behind {@link org.reverl.gateway.http.HttpProxyServer}. Anything in
 * this package can be changed or removed at any time.
 */
package org.reverl.gateway.http.internal;
