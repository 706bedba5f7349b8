package org.reverl.gateway.http.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Opens backend connections: a socket of the given transport on the client connection's event loop. A seam for tests,
 * which connect the data path to in-memory channels instead.
 */
interface BackendConnector {

    /**
     * Connects to {@code address} on {@code loop}; the new channel's pipeline is built by {@code initializer}. An
     * unresolved address is resolved first, without blocking the loop.
     *
     * @return completes when connected, or with the reason it could not be
     */
    ChannelFuture connect(
            InetSocketAddress address, EventLoop loop, int connectTimeoutMillis, ChannelInitializer<?> initializer);

    /**
     * Sockets of {@code transport}, with the proxy's socket options. Host names go through Netty's asynchronous DNS
     * resolver (the given servers, or those of {@code /etc/resolv.conf}), whose cache keeps an answer for its TTL and a failure not at
     * all, so a name that stops resolving is tried again at the next connection, and a changed answer is followed.
     */
    static BackendConnector sockets(Transports transport, List<InetSocketAddress> dnsServers) {
        Class<? extends SocketChannel> channel = transport.clientChannel();
        DnsNameResolverBuilder dns = new DnsNameResolverBuilder()
                .datagramChannelType(transport.datagramChannel())
                .socketChannelType(channel)
                .negativeTtl(0);
        if (!dnsServers.isEmpty()) {
            dns.nameServerProvider(new SequentialDnsServerAddressStreamProvider(dnsServers));
        }
        AddressResolverGroup<InetSocketAddress> resolver = new DnsAddressResolverGroup(dns);
        ChannelFactory<SocketChannel> channels = transport.clientChannelFactory();
        // AUTO_READ and TCP_NODELAY are on already: Netty's socket channels set them as they are made
        return (address, loop, connectTimeoutMillis, initializer) -> new Bootstrap()
                .group(loop)
                .channelFactory(channels)
                .resolver(resolver)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, BackendPools.WATER_MARK)
                .handler(initializer)
                .connect(address);
    }
}
