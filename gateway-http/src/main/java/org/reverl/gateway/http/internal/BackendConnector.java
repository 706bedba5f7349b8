package org.reverl.gateway.http.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;

/**
 * Opens backend connections: a socket of the given transport on the client connection's event loop. A seam for tests,
 * which connect the data path to in-memory channels instead.
 */
interface BackendConnector {

    /**
     * Connects to {@code address} on {@code loop}; the new channel's pipeline is built by {@code initializer}.
     *
     * @return completes when connected, or with the reason it could not be
     */
    ChannelFuture connect(InetSocketAddress address, EventLoop loop, ChannelInitializer<?> initializer);

    /** Sockets of {@code transport}, with the proxy's socket options. */
    static BackendConnector sockets(Transports transport, int connectTimeoutMillis) {
        Class<? extends SocketChannel> channel = transport.clientChannel();
        return (address, loop, initializer) -> new Bootstrap()
                .group(loop)
                .channel(channel)
                .option(ChannelOption.AUTO_READ, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, BackendPools.WATER_MARK)
                .handler(initializer)
                .connect(address);
    }
}
