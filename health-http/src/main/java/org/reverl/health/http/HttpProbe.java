package org.reverl.health.http;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendAddress;
import org.reverl.gateway.api.BackendTlsOptions;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.ProbeResult;

/**
 * Sends one HTTP/1.1 request ({@code GET} or {@code HEAD} of the configured path, {@code Connection: close}) to the
 * backend's probe address, over TLS for {@code https}, and passes when the status is expected and, if configured, the
 * body contains the expected text. Over TLS the backend's own {@link BackendTlsOptions} apply as they do to the
 * proxy's connections: its {@code tls.verify} over the probe's {@code tls_verify}, its {@code tls.ca} over the probe's
 * {@code tls_ca} (or the JDK's trusted roots), its {@code tls.serverName} as SNI and as the name verified, unless the
 * probe sets {@code host}.
 *
 * <h2>Non-blocking</h2>
 * Connect, TLS handshake, request and response run on a Netty event loop shared by all {@code http} probes; no thread
 * waits. IP literals need no lookup; a DNS name is resolved on {@code resolver} (the JDK resolver blocks). The timeout
 * covers lookup, connect, handshake and response; when it fires the result is {@code timed out after <t>} and the
 * connection is closed.
 *
 * <p>Thread-safe and stateless between probes: any number may run at once.
 */
final class HttpProbe implements LivenessProbe {

    static final String EXPECTED = "http://host:port or https://host:port";

    private final HttpProbeSettings settings;
    private final EventLoopGroup group;
    private final Executor resolver;
    private final ProbeTls tls;

    HttpProbe(HttpProbeSettings settings, EventLoopGroup group, Executor resolver, ProbeTls tls) {
        this.settings = requireNonNull(settings, "settings");
        this.group = requireNonNull(group, "group");
        this.resolver = requireNonNull(resolver, "resolver");
        this.tls = requireNonNull(tls, "tls");
    }

    @Override
    public Set<BackendAddress.Scheme> schemes() {
        return EnumSet.of(BackendAddress.Scheme.HTTP, BackendAddress.Scheme.HTTPS);
    }

    @Override
    public CompletionStage<ProbeResult> probe(Backend backend, Duration timeout) {
        BackendAddress address;
        try {
            address = backend.spec().probeAddress();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(ProbeResult.down("bad " + e.getMessage()));
        }
        if (!schemes().contains(address.scheme())) {
            return CompletableFuture.completedFuture(ProbeResult.down(
                    "bad " + Checks.message("address", "'" + address + "'", "an HTTP address: " + EXPECTED)));
        }
        SslContext context = null;
        String serverName = null;
        if (address.scheme() == BackendAddress.Scheme.HTTPS) {
            // as the proxy's connections to it: the backend's own TLS options, where it has them
            try {
                BackendTlsOptions options =
                        BackendTlsOptions.fromTags(backend.spec().tags());
                context = tls.context(options);
                serverName = settings.host() != null
                        ? hostOnly(settings.host())
                        : options.serverName() != null ? options.serverName() : address.host();
            } catch (IllegalArgumentException | IllegalStateException e) {
                return CompletableFuture.completedFuture(ProbeResult.down("bad " + e.getMessage()));
            }
        }
        SslContext ctx = context;
        String sni = serverName;
        CompletableFuture<ProbeResult> result = new CompletableFuture<>();
        result.completeOnTimeout(
                ProbeResult.down("timed out after " + format(timeout)), timeout.toNanos(), TimeUnit.NANOSECONDS);
        CompletableFuture<InetAddress> resolved = address.isIpLiteral()
                ? CompletableFuture.completedFuture(null).thenApply(ignored -> resolve(address.host()))
                : CompletableFuture.supplyAsync(() -> resolve(address.host()), resolver);
        resolved.whenComplete((ip, failure) -> {
            if (failure != null) {
                result.complete(ProbeResult.down(reason(unwrap(failure), address, timeout)));
            } else if (!result.isDone()) {
                exchange(new InetSocketAddress(ip, address.port()), address, ctx, sni, timeout, result);
            }
        });
        return result;
    }

    /**
     * @param ctx the client TLS context for an {@code https} address, or {@code null}
     * @param sni the name sent as SNI and verified against the certificate, with {@code ctx}
     */
    private void exchange(
            InetSocketAddress target,
            BackendAddress address,
            SslContext ctx,
            String sni,
            Duration timeout,
            CompletableFuture<ProbeResult> result) {
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (ctx != null) {
                            SslHandler ssl = ctx.newHandler(ch.alloc(), sni, address.port());
                            ch.pipeline().addLast(ssl);
                        }
                        ch.pipeline()
                                .addLast(new HttpClientCodec())
                                .addLast(new ProbeExchangeHandler(
                                        settings, request(address), result, reasons(address, timeout)));
                    }
                });
        ChannelFuture connect;
        try {
            connect = bootstrap.connect(target);
        } catch (RuntimeException e) {
            result.complete(ProbeResult.down(reason(e, address, timeout)));
            return;
        }
        // Whoever finishes first (response, failure or timeout) decides; the connection closes either way.
        result.whenComplete((r, f) -> connect.channel().close());
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                result.complete(ProbeResult.down(reason(f.cause(), address, timeout)));
            }
        });
    }

    private FullHttpRequest request(BackendAddress address) {
        HttpMethod method = settings.method().equals("HEAD") ? HttpMethod.HEAD : HttpMethod.GET;
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, settings.path());
        String host = settings.host() != null ? settings.host() : hostHeader(address);
        request.headers()
                .set(HttpHeaderNames.HOST, host)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set(HttpHeaderNames.USER_AGENT, "reverl-health-check")
                .set(HttpHeaderNames.ACCEPT, "*/*");
        return request;
    }

    private ProbeExchangeHandler.Reasons reasons(BackendAddress address, Duration timeout) {
        return failure -> reason(failure, address, timeout);
    }

    private static String hostHeader(BackendAddress address) {
        String host = address.host().indexOf(':') >= 0 ? "[" + address.host() + "]" : address.host();
        return host + ":" + address.port();
    }

    /** The host part of a {@code Host} header value, for SNI and certificate verification. */
    private static String hostOnly(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end > 0 ? host.substring(1, end) : host;
        }
        int colon = host.lastIndexOf(':');
        return colon >= 0 ? host.substring(0, colon) : host;
    }

    /** The reason for a failed lookup, connect, handshake or exchange, in the words operators expect. */
    static String reason(Throwable failure, BackendAddress address, Duration timeout) {
        if (failure instanceof UnknownHostException) {
            return "DNS failure: " + address.host();
        }
        if (failure instanceof io.netty.channel.ConnectTimeoutException) {
            return "timed out after " + format(timeout);
        }
        if (failure instanceof NoRouteToHostException) {
            return "unreachable";
        }
        Throwable ssl = failure;
        while (ssl != null && !(ssl instanceof SSLException)) {
            ssl = ssl.getCause();
        }
        if (ssl != null) {
            return "TLS handshake failed: " + rootMessage(ssl);
        }
        String message =
                failure.getMessage() == null ? "" : failure.getMessage().toLowerCase(Locale.ROOT);
        if (failure instanceof ConnectException && message.contains("refused")) {
            return "connection refused";
        }
        if (message.contains("connection reset")) {
            return "connection reset";
        }
        if (message.contains("unreachable")) {
            return "unreachable";
        }
        return "http probe failed: " + failure;
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }

    /** {@code 1s}, {@code 1500ms}: whole seconds in seconds, anything else in milliseconds. */
    static String format(Duration timeout) {
        long millis = timeout.toMillis();
        return millis % 1000 == 0 && millis > 0 ? millis / 1000 + "s" : millis + "ms";
    }

    private static InetAddress resolve(String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new CompletionException(e);
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    @Override
    public String toString() {
        return "http{" + settings.method() + " " + settings.path() + ", expect_status=" + settings.expectStatus()
                + (settings.expectBody() != null ? ", expect_body='" + settings.expectBody() + "'" : "")
                + ", tls_verify=" + settings.tlsVerify()
                + (settings.tlsCa() != null ? ", tls_ca=" + settings.tlsCa() : "")
                + (settings.tlsCert() != null ? ", tls_cert=" + settings.tlsCert() : "") + '}';
    }
}
