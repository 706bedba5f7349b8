package org.reverl.gateway.http.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.Checks;

/**
 * Keep-alive connections to the backends: one pool per event loop per backend, used only by that event loop's thread,
 * so there are no locks. A client connection borrows a connection of its own event loop, so both ends of an exchange
 * run on one thread.
 */
final class BackendPools {

    /** Idle connections kept per backend per event loop; more are closed when returned. */
    static final int MAX_IDLE = 512;

    private final ProxySettings settings;
    private final FastThreadLocal<IdentityHashMap<Backend, Pool>> pools = new FastThreadLocal<>() {
        @Override
        protected IdentityHashMap<Backend, Pool> initialValue() {
            return new IdentityHashMap<>();
        }
    };

    BackendPools(ProxySettings settings) {
        this.settings = settings;
    }

    /** The pool of {@code backend} on the calling event loop. */
    Pool pool(Backend backend) {
        IdentityHashMap<Backend, Pool> map = pools.get();
        Pool pool = map.get(backend);
        if (pool == null) {
            pool = new Pool(backend);
            map.put(backend, pool);
        }
        return pool;
    }

    /** Parses {@code host:port}, {@code tcp://host:port} or {@code http://host:port}; IPv6 literals in brackets. */
    static InetSocketAddress parseAddress(String address) {
        String a = address.trim();
        int scheme = a.indexOf("://");
        if (scheme >= 0) {
            String s = a.substring(0, scheme);
            if (!s.equals("tcp") && !s.equals("http")) {
                throw new IllegalArgumentException(Checks.message(
                        "backend address", "'" + address + "'", "host:port, tcp://host:port or http://host:port"));
            }
        } else {
            a = "tcp://" + a;
        }
        try {
            URI uri = new URI(a);
            String host = uri.getHost();
            int port = uri.getPort();
            if (host == null || port < 1) {
                throw new IllegalArgumentException();
            }
            if (host.startsWith("[")) {
                host = host.substring(1, host.length() - 1);
            }
            return new InetSocketAddress(host, port);
        } catch (Exception e) {
            throw new IllegalArgumentException(
                    Checks.message(
                            "backend address", "'" + address + "'", "host:port, tcp://host:port or http://host:port"),
                    e);
        }
    }

    /** One backend's connections on one event loop. */
    final class Pool {
        final Backend backend;
        final InetSocketAddress address;
        /** {@code host:port}, the {@code Host} sent to the backend for HTTP/1.0 requests that had none. */
        final AsciiString authority;

        private final ArrayDeque<BackendHandler> idle = new ArrayDeque<>();

        Pool(Backend backend) {
            this.backend = backend;
            this.address = parseAddress(backend.address());
            String host = address.getHostString();
            this.authority =
                    AsciiString.of((host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort());
        }

        /** An idle, open connection, or {@code null}. */
        BackendHandler poll() {
            BackendHandler b;
            while ((b = idle.pollFirst()) != null) {
                if (b.isUsable()) {
                    return b;
                }
                b.close();
            }
            return null;
        }

        /** Returns a connection whose exchange ended cleanly. */
        void release(BackendHandler b) {
            if (b.isUsable() && idle.size() < MAX_IDLE) {
                idle.addFirst(b);
                b.parkIdle();
            } else {
                b.close();
            }
        }

        /** Forgets a connection that closed while idle. */
        void remove(BackendHandler b) {
            idle.remove(b);
        }

        int idleCount() {
            return idle.size();
        }

        /** Opens a new connection on {@code loop}. */
        ChannelFuture connect(EventLoop loop) {
            Pool pool = this;
            return settings.connector.connect(address, loop, new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline()
                            .addLast(
                                    "codec",
                                    new HttpClientCodec(
                                            new HttpDecoderConfig()
                                                    .setMaxInitialLineLength(8192)
                                                    .setMaxHeaderSize(65536)
                                                    .setMaxChunkSize(settings.maxChunkSize),
                                            false,
                                            false))
                            .addLast(
                                    "backend",
                                    new BackendHandler(pool, settings.responseTimeoutNanos, settings.ticker));
                }
            });
        }
    }

    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 128 * 1024);
}
