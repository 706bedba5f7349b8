package org.reverl.health.http;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.LivenessProbeProvider;

/**
 * Provides {@value #NAME}: a backend is alive when a request to its health path answers an expected status (and,
 * optionally, a body containing a text) within the probe timeout. Checks {@code http://host:port} and {@code
 * https://host:port} addresses. Reasons when down: {@code http probe: 503 from /health}, {@code http probe: 200 from
 * /health without 'ok' in its body}, {@code timed out after 1s}, {@code connection refused}, {@code TLS handshake
 * failed: <why>}, {@code DNS failure: <host>}.
 *
 * <p>Options (all optional):
 * <ul>
 *   <li>{@code method}: {@code GET} (default) or {@code HEAD};
 *   <li>{@code path}: the request target, default {@code /}; must start with {@code /};
 *   <li>{@code host}: the {@code Host} header (and, for {@code https}, the TLS server name), default the probed
 *       address's {@code host:port};
 *   <li>{@code expect_status}: statuses that pass, e.g. {@code 200-299,304}, default {@code 200-399};
 *   <li>{@code expect_body}: a text the body must contain within its first 64 KiB; not with {@code HEAD};
 *   <li>{@code tls_verify}: for {@code https}: {@code true} (default) verifies the certificate chain against the JDK's
 *       trusted roots and the host name; {@code false} accepts any certificate (self-signed backends on a private
 *       network);
 *   <li>{@code tls_ca}: for {@code https}: a PEM bundle of the CA certificates trusted instead of the JDK's (a private
 *       CA that issued every backend's certificate);
 *   <li>{@code tls_cert} and {@code tls_key}: for {@code https}: a PEM certificate chain and its PEM (PKCS#8) private
 *       key, presented to backends that ask for a client certificate (mutual TLS); both or neither.
 * </ul>
 *
 * <p>{@code reverl run} fills {@code tls_verify}, {@code tls_ca}, {@code tls_cert} and {@code tls_key} from the
 * proxy's {@code backendTls} where the probe's options leave them out, so that a probe reaches a backend as the
 * proxy's connections do.
 *
 * <p>A backend's own TLS options ({@code tls.verify}, {@code tls.ca}, {@code tls.serverName} in its tags) apply to its
 * probe as to the proxy's connections, over these.
 *
 * <p>All {@code http} probes share one daemon event-loop thread: a probe is a few microseconds of work between waits.
 *
 * <p>Thread-safe and stateless. Public only because {@link java.util.ServiceLoader} requires it: configure {@code
 * http}, never this class.
 */
public final class HttpProbeProvider implements LivenessProbeProvider {

    /** The probe's name. */
    public static final String NAME = "http";

    private static final AtomicInteger RESOLVERS = new AtomicInteger();

    @Override
    public String name() {
        return NAME;
    }

    /** {@code tls_ca}, {@code tls_cert} and {@code tls_key}. */
    @Override
    public Set<String> fileOptions() {
        return HttpProbeSettings.FILE_OPTIONS;
    }

    @Override
    public LivenessProbe create(Map<String, String> options) {
        HttpProbeSettings settings = HttpProbeSettings.parse(options);
        return new HttpProbe(
                settings,
                EventLoop.GROUP,
                newResolver(),
                new ProbeTls(settings.tlsVerify(), settings.tlsCa(), settings.tlsCert(), settings.tlsKey()));
    }

    /** The JDK resolver blocks, so DNS lookups get two daemon threads of their own, which exit when idle. */
    private static ExecutorService newResolver() {
        int id = RESOLVERS.incrementAndGet();
        AtomicInteger threads = new AtomicInteger();
        ThreadPoolExecutor executor =
                new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
                    Thread t = new Thread(task, "reverl-http-probe-dns-" + id + "-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    /** The event loop all {@code http} probes share, started on first use; a daemon thread, so it never holds a JVM. */
    private static final class EventLoop {
        static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("reverl-http-probe", true), NioIoHandler.newFactory());
    }
}
