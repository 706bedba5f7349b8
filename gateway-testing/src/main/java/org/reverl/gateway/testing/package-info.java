/**
 * Test fakes for strategy and probe authors: {@link org.reverl.gateway.testing.FakeBackend}, and {@link
 * org.reverl.gateway.testing.RefusedPort} for a backend that refuses connections. Use at test scope.
 */
package org.reverl.gateway.testing;
