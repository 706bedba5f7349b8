package org.reverl.gateway.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.net.InetSocketAddress;
import java.util.Map;

/** A DNS server on 127.0.0.1 (UDP) that answers A queries for a fixed set of names, NXDOMAIN for any other. */
final class TestDns implements AutoCloseable {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;

    /** @param names each name (without the trailing dot) and its IPv4 address */
    TestDns(Map<String, byte[]> names) {
        channel = new Bootstrap()
                .group(group)
                .channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(new DatagramDnsQueryDecoder())
                                .addLast(new DatagramDnsResponseEncoder())
                                .addLast(new SimpleChannelInboundHandler<DatagramDnsQuery>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
                                        DnsQuestion q = query.recordAt(DnsSection.QUESTION);
                                        String name = q.name().endsWith(".")
                                                ? q.name().substring(0, q.name().length() - 1)
                                                : q.name();
                                        byte[] ip = names.get(name);
                                        DatagramDnsResponse res =
                                                new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
                                        res.addRecord(DnsSection.QUESTION, q);
                                        if (ip == null) {
                                            res.setCode(DnsResponseCode.NXDOMAIN);
                                        } else if (q.type() == DnsRecordType.A) {
                                            res.addRecord(
                                                    DnsSection.ANSWER,
                                                    new DefaultDnsRawRecord(
                                                            q.name(), DnsRecordType.A, 60, Unpooled.wrappedBuffer(ip)));
                                        }
                                        ctx.writeAndFlush(res);
                                    }
                                });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .syncUninterruptibly()
                .channel();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
