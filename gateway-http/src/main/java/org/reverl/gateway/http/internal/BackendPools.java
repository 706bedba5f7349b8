package org.reverl.gateway.http.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendAddress;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendState;
import org.reverl.gateway.api.BackendTlsOptions;
import org.reverl.gateway.http.ProxyPool;

/**
 * Keep-alive connections to the backends: one pool per event loop per backend, used only by that event loop's thread,
 * so there are no locks. A client connection borrows a connection of its own event loop, so both ends of an exchange
 * run on one thread.
 *
 * <h2>Hygiene</h2>
 * <ul>
 *   <li>A connection idle for {@code upstreamIdleTimeout} is closed, before the backend's own keep-alive timeout would
 *       close it under a request being sent (one lazily rescheduled timer per pool, at the oldest one's deadline).
 *   <li>A connection with bytes left over after a response is closed, never parked or lent.
 *   <li>When a backend proves gone (a connection refused, or a kept-alive connection that died under a request), its
 *       pools on every event loop drop their idle connections at once: {@link #invalidate} moves the backend's epoch,
 *       shared by all loops, and a connection parked in an older epoch is closed instead of lent.
 *   <li>The pools of a removed backend close their idle connections and forget the backend.
 * </ul>
 */
final class BackendPools {

    /** Idle connections kept per backend per event loop; more are closed when returned. */
    static final int MAX_IDLE = 512;

    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 128 * 1024);

    private final ProxySettings settings;
    /** Per backend, shared by every event loop: moved on by {@link #invalidate}. */
    private final Map<Backend, AtomicLong> epochs = new ConcurrentHashMap<>();
    /** Per backend, when backend connections are limited. */
    private final Map<Backend, BackendLimit> limits = new ConcurrentHashMap<>();

    private final FastThreadLocal<IdentityHashMap<Backend, Pool>> pools = new FastThreadLocal<>() {
        @Override
        protected IdentityHashMap<Backend, Pool> initialValue() {
            return new IdentityHashMap<>();
        }
    };

    BackendPools(ProxySettings settings) {
        this.settings = settings;
    }

    /**
     * The pool of {@code backend} on {@code loop}, the calling thread's event loop, with the timeouts of {@code
     * proxyPool} (the backend's pool as the router has it now: a reload may have changed them).
     */
    Pool pool(Backend backend, EventLoop loop, ProxyPool proxyPool) {
        IdentityHashMap<Backend, Pool> map = pools.get();
        Pool pool = map.get(backend);
        if (pool == null) {
            BackendLimit limit = settings.maxBackendConnections == 0
                    ? null
                    : limits.computeIfAbsent(
                            backend, b -> new BackendLimit(settings.maxBackendConnections, settings.queueSize));
            pool = new Pool(backend, loop, map, epochs.computeIfAbsent(backend, b -> new AtomicLong()), limit);
            map.put(backend, pool);
        }
        pool.proxyPool = proxyPool;
        return pool;
    }

    /**
     * {@code backend} proved gone: on every event loop, its idle connections are closed instead of lent (lazily, at
     * the next look at each pool).
     */
    void invalidate(Backend backend) {
        AtomicLong epoch = epochs.get(backend);
        if (epoch != null) {
            epoch.incrementAndGet();
        }
    }

    /**
     * A backend was removed: on each of {@code loops}, the pools of backends with that id that are removed close their
     * idle connections and are forgotten. Connections in use close when their exchange ends (a removed backend's
     * connection is never parked again).
     */
    void forget(String backendId, Iterable<? extends io.netty.util.concurrent.EventExecutor> loops) {
        for (io.netty.util.concurrent.EventExecutor loop : loops) {
            if (loop.isShuttingDown()) {
                continue;
            }
            loop.execute(() -> {
                IdentityHashMap<Backend, Pool> map = pools.get();
                map.values().removeIf(p -> {
                    if (p.backend.id().equals(backendId) && p.backend.state() == BackendState.REMOVED) {
                        p.closeIdle();
                        epochs.remove(p.backend);
                        limits.remove(p.backend);
                        return true;
                    }
                    return false;
                });
            });
        }
    }

    /**
     * A backend's {@link BackendAddress} (parsed in one place, in gateway-api), which must be {@code http} or {@code
     * tcp} (HTTP/1.1 over TCP) or {@code https} (HTTP/1.1 over TLS).
     *
     * @throws IllegalArgumentException for another scheme or an invalid address, naming the value and what was expected
     */
    static BackendAddress backendAddress(String address) {
        return BackendAddress.parse(address, BackendAddress.Scheme.HTTP)
                .requireScheme(
                        "backend address",
                        BackendAddress.Scheme.HTTP,
                        BackendAddress.Scheme.HTTPS,
                        BackendAddress.Scheme.TCP);
    }

    /**
     * The socket address of a backend. An IP literal comes back resolved; a host name unresolved, for the connector to
     * resolve without blocking, at each new connection (within the resolver's cache, which follows the record's TTL).
     */
    static InetSocketAddress socketAddress(BackendAddress a) {
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(a.host());
        if (ip != null) {
            try {
                return new InetSocketAddress(InetAddress.getByAddress(a.host(), ip), a.port());
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException(e); // cannot happen for a literal of 4 or 16 bytes
            }
        }
        return InetSocketAddress.createUnresolved(a.host(), a.port());
    }

    /** One backend's connections on one event loop. */
    final class Pool {
        final Backend backend;
        final InetSocketAddress address;
        /** The backend is reached over TLS ({@code https://}): the host is sent as SNI and its certificate verified. */
        final BackendAddress target;

        final boolean tls;
        /** The backend's TLS options, read from {@link #optionsOf}'s tags; event loop only. */
        private BackendTlsOptions options;

        private BackendSpec optionsOf;
        /** Sent as SNI and verified: the backend's {@code tls.serverName}, or the address's host. */
        private String serverName;

        /** {@code host:port}, the {@code Host} sent to the backend for HTTP/1.0 requests that had none. */
        final AsciiString authority;

        /**
         * The timeouts of the backend's pool, as of the last request that took this pool; only this event loop's
         * thread reads or writes it.
         */
        private ProxyPool proxyPool;

        private final EventLoop loop;
        private final IdentityHashMap<Backend, Pool> owner;
        private final AtomicLong epoch;
        /** Idle connections, the most recently parked first (so the oldest are the first to time out). */
        private final ArrayDeque<BackendHandler> idle = new ArrayDeque<>();

        private final Runnable sweepTask = this::sweep;
        private ScheduledFuture<?> sweep;

        /** Whether this pool is in its limit's list of pools to wake. */
        final java.util.concurrent.atomic.AtomicBoolean registered = new java.util.concurrent.atomic.AtomicBoolean();

        /** The backend's connection limit, or {@code null} when unlimited. */
        private final BackendLimit limit;
        /** Requests waiting for a connection, oldest first; lazily created. */
        private ArrayDeque<Upstream> waiters;

        private final Runnable queueTask = this::expireWaiters;
        private final Runnable wakeTask = this::serveWaiters;
        private ScheduledFuture<?> queueTimer;

        Pool(
                Backend backend,
                EventLoop loop,
                IdentityHashMap<Backend, Pool> owner,
                AtomicLong epoch,
                BackendLimit limit) {
            this.backend = backend;
            this.loop = loop;
            this.owner = owner;
            this.epoch = epoch;
            this.limit = limit;
            this.target = backendAddress(backend.address());
            this.tls = target.scheme() == BackendAddress.Scheme.HTTPS;
            this.address = socketAddress(target);
            String host = address.getHostString();
            this.authority =
                    AsciiString.of((host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort());
        }

        /** How long connecting may take, in milliseconds. */
        int connectTimeoutMillis() {
            return (int) Math.min(Integer.MAX_VALUE, proxyPool.connectTimeout().toMillis());
        }

        /**
         * An idle connection that can take a request, or {@code null}: open, parked in the backend's current epoch,
         * with no bytes left over.
         */
        BackendHandler poll() {
            if (tls && optionsOf != null && backend.spec() != optionsOf) {
                try {
                    tlsOptions(); // closes the idle connections if the backend's TLS options changed
                } catch (RuntimeException e) {
                    closeIdle(); // options now invalid: the next connection reports why
                }
            }
            long current = epoch.get();
            BackendHandler b;
            while ((b = idle.pollFirst()) != null) {
                if (b.isUsable() && b.parkedEpoch == current && !b.hasLeftoverBytes()) {
                    return b;
                }
                b.close();
            }
            return null;
        }

        /** Closes every idle connection. */
        void closeIdle() {
            BackendHandler b;
            while ((b = idle.pollFirst()) != null) {
                b.close();
            }
            if (sweep != null) {
                sweep.cancel(false);
                sweep = null;
            }
        }

        /** Returns a connection whose exchange ended cleanly; closes it if it cannot be kept. */
        void release(BackendHandler b) {
            boolean usable = b.isUsable() && !b.hasLeftoverBytes() && backend.state() != BackendState.REMOVED;
            if (usable && waiters != null && !waiters.isEmpty()) {
                // a request waits for a connection: it gets this one at once
                Upstream next = waiters.pollFirst();
                limit.dequeued();
                b.parkIdle(); // detached and read again, as if taken from the pool
                next.onConnectionAvailable(b);
                return;
            }
            if (usable && idle.size() < MAX_IDLE) {
                b.parkedEpoch = epoch.get();
                b.parkedAt = settings.ticker.nanoTime();
                idle.addFirst(b);
                b.parkIdle();
                if (sweep == null) {
                    sweep = loop.schedule(
                            sweepTask, proxyPool.upstreamIdleTimeout().toNanos(), TimeUnit.NANOSECONDS);
                }
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

        /**
         * Takes room for a new connection: always, unless the backend's connections are limited and all taken.
         */
        boolean tryOpen() {
            return limit == null || limit.tryOpen();
        }

        /**
         * Queues {@code exchange} for a connection of this backend.
         *
         * @return false if the queue is full
         */
        boolean enqueue(Upstream exchange, long deadline) {
            if (limit == null || !limit.tryQueue(this)) {
                return false;
            }
            if (waiters == null) {
                waiters = new ArrayDeque<>();
            }
            waiters.addLast(exchange);
            if (queueTimer == null) {
                queueTimer = loop.schedule(
                        queueTask, Math.max(0, deadline - settings.ticker.nanoTime()), TimeUnit.NANOSECONDS);
            }
            return true;
        }

        /** {@code exchange} no longer waits (its client went away). */
        void dequeue(Upstream exchange) {
            if (waiters != null && waiters.remove(exchange)) {
                limit.dequeued();
            }
        }

        /** A connection of the backend closed on some event loop: waiters here may get its room. Any thread. */
        void wake() {
            loop.execute(wakeTask);
        }

        private void serveWaiters() {
            while (waiters != null && !waiters.isEmpty()) {
                BackendHandler idleOne = poll();
                if (idleOne != null) {
                    limit.dequeued();
                    waiters.pollFirst().onConnectionAvailable(idleOne);
                } else if (limit.tryOpen()) {
                    limit.dequeued();
                    waiters.pollFirst().onConnectAllowed(this);
                } else {
                    limit.register(this);
                    return;
                }
            }
        }

        /** Answers the requests that waited past the queue timeout (the oldest are first). */
        private void expireWaiters() {
            queueTimer = null;
            long now = settings.ticker.nanoTime();
            Upstream e;
            while (waiters != null && (e = waiters.peekFirst()) != null) {
                long left = e.queuedUntil() - now;
                if (left > 0) {
                    queueTimer = loop.schedule(queueTask, left, TimeUnit.NANOSECONDS);
                    return;
                }
                waiters.pollFirst();
                limit.dequeued();
                e.onQueueTimeout();
            }
        }

        /** Closes the connections idle past the timeout (the oldest are last), and those of a removed backend. */
        private void sweep() {
            sweep = null;
            boolean removed = backend.state() == BackendState.REMOVED;
            long now = settings.ticker.nanoTime();
            BackendHandler b;
            while ((b = idle.peekLast()) != null
                    && (removed
                            || now - b.parkedAt
                                    >= proxyPool.upstreamIdleTimeout().toNanos())) {
                idle.pollLast();
                b.close();
            }
            if (b != null) {
                long next = b.parkedAt + proxyPool.upstreamIdleTimeout().toNanos() - now;
                sweep = loop.schedule(sweepTask, Math.max(next, 1_000_000L), TimeUnit.NANOSECONDS);
            } else if (removed) {
                owner.remove(backend);
                epochs.remove(backend);
            }
        }

        /**
         * Opens a new connection on {@code loop}; over TLS, the future completes once the handshake did (a failed
         * handshake fails it with a {@link BackendTlsException}), so nothing is sent before the backend proved who it
         * is.
         *
         * @param connectTimeoutMillis how long connecting may take, and then the TLS handshake
         */
        ChannelFuture connect(int connectTimeoutMillis) {
            Pool pool = this;
            io.netty.handler.ssl.SslContext sslContext = null;
            RuntimeException tlsProblem = null;
            if (tls) {
                try {
                    sslContext = settings.backendTls.context(tlsOptions());
                } catch (RuntimeException e) {
                    tlsProblem = e; // reported as the connection's failure, below
                }
            }
            io.netty.handler.ssl.SslContext ctx = sslContext;
            ChannelFuture f =
                    settings.connector.connect(address, loop, connectTimeoutMillis, new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            BackendCodec codec = new BackendCodec(settings.maxChunkSize, settings.via11);
                            if (ctx != null) {
                                // the host and port name the session in the context's cache (reused by the next
                                // connection) and the host is sent as SNI unless it is an IP literal
                                SslHandler ssl = ctx.newHandler(ch.alloc(), serverName, target.port());
                                ssl.setHandshakeTimeoutMillis(Math.max(1, connectTimeoutMillis));
                                ch.pipeline().addLast("tls", ssl);
                            }
                            ch.pipeline()
                                    .addLast("decoder", codec.decoder())
                                    .addLast("encoder", codec.encoder())
                                    .addLast(
                                            "backend",
                                            new BackendHandler(
                                                    pool,
                                                    codec,
                                                    proxyPool.responseTimeout().toNanos(),
                                                    settings.ticker));
                        }
                    });
            if (limit != null) {
                // the room taken by tryOpen is given back when the connection closes, or fails to open
                f.channel().closeFuture().addListener(closed -> limit.closed());
            }
            return tls ? afterHandshake(f, tlsProblem) : f;
        }

        /**
         * The backend's own TLS options, from its tags; read again when its description changed (a reload may change
         * them in place), and then the idle connections opened with other options are closed.
         */
        private BackendTlsOptions tlsOptions() {
            BackendSpec spec = backend.spec();
            if (spec != optionsOf) {
                BackendTlsOptions next = BackendTlsOptions.fromTags(spec.tags());
                if (optionsOf != null && !next.equals(options)) {
                    closeIdle();
                }
                options = next;
                optionsOf = spec;
                serverName = next.serverName() != null ? next.serverName() : target.host();
            }
            return options;
        }

        private ChannelFuture afterHandshake(ChannelFuture connected, RuntimeException tlsProblem) {
            ChannelPromise ready = connected.channel().newPromise();
            connected.addListener((ChannelFuture c) -> {
                if (!c.isSuccess()) {
                    ready.tryFailure(c.cause());
                    return;
                }
                if (tlsProblem != null) {
                    ready.tryFailure(new BackendTlsException(target.host(), tlsProblem));
                    c.channel().close();
                    return;
                }
                SslHandler ssl = c.channel().pipeline().get(SslHandler.class);
                ssl.handshakeFuture().addListener(h -> {
                    if (h.isSuccess()) {
                        ready.trySuccess();
                    } else {
                        ready.tryFailure(new BackendTlsException(target.host(), h.cause()));
                        c.channel().close();
                    }
                });
            });
            return ready;
        }
    }
}
