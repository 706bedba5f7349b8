package org.reverl.health.tcp;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendAddress;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.ProbeResult;

/**
 * Opens a TCP connection to the backend's address and closes it at once.
 *
 * <h2>Non-blocking</h2>
 * The connect is an {@link AsynchronousSocketChannel} connect: no thread waits for it. IP literals need no lookup; a
 * DNS name is resolved on {@code resolver} (the JDK's resolver blocks, so it must not run on the health scheduler).
 * The timeout covers lookup and connect; when it fires the result is {@code timed out after <n>ms} and the channel is
 * closed, which aborts the connect.
 *
 * <h2>No back-off</h2>
 * Every probe connects. How often a backend that stays dead is probed is the health check's {@code downInterval}:
 * skipping probes here could only delay noticing that it is back.
 *
 * <p>Thread-safe and stateless: any number of probes may run at once, for the same or different backends.
 */
final class TcpProbe implements LivenessProbe {

    static final String EXPECTED = "tcp://host:port, http://host:port, https://host:port or host:port";

    private final Executor resolver;

    TcpProbe(Executor resolver) {
        this.resolver = requireNonNull(resolver, "resolver");
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
                    "bad " + Checks.message("address", "'" + address + "'", "a network address: " + EXPECTED)));
        }
        return connect(address, timeout);
    }

    /** One connect attempt; always completes normally, within {@code timeout}. */
    private CompletableFuture<ProbeResult> connect(BackendAddress address, Duration timeout) {
        CompletableFuture<ProbeResult> result = new CompletableFuture<>();
        result.completeOnTimeout(
                ProbeResult.down("timed out after " + timeout.toMillis() + "ms"),
                timeout.toNanos(),
                TimeUnit.NANOSECONDS);
        // An IP literal is parsed, not looked up, so it is resolved on this thread; a name goes to the resolver.
        CompletableFuture<InetAddress> resolved = address.isIpLiteral()
                ? CompletableFuture.completedFuture(null).thenApply(ignored -> resolve(address.host()))
                : CompletableFuture.supplyAsync(() -> resolve(address.host()), resolver);
        resolved.whenComplete((ip, failure) -> {
            if (failure != null) {
                result.complete(ProbeResult.down(reason(unwrap(failure), address)));
            } else if (!result.isDone()) {
                open(new InetSocketAddress(ip, address.port()), address, result);
            }
        });
        return result;
    }

    private static void open(InetSocketAddress target, BackendAddress address, CompletableFuture<ProbeResult> result) {
        AsynchronousSocketChannel channel;
        try {
            channel = AsynchronousSocketChannel.open();
        } catch (IOException e) {
            result.complete(ProbeResult.down("cannot open socket: " + e.getMessage()));
            return;
        }
        // Whoever finishes first (connect, failure or timeout) completes the result; the channel closes either way,
        // which also aborts a connect still pending after a timeout.
        result.whenComplete((r, f) -> closeQuietly(channel));
        try {
            channel.connect(target, result, new CompletionHandler<Void, CompletableFuture<ProbeResult>>() {
                @Override
                public void completed(Void ignored, CompletableFuture<ProbeResult> r) {
                    r.complete(ProbeResult.up());
                }

                @Override
                public void failed(Throwable failure, CompletableFuture<ProbeResult> r) {
                    r.complete(ProbeResult.down(reason(failure, address)));
                }
            });
        } catch (RuntimeException e) { // e.g. UnresolvedAddressException, SecurityException
            result.complete(ProbeResult.down(reason(e, address)));
        }
    }

    /** The reason for a failed lookup or connect, in the words operators expect. */
    static String reason(Throwable failure, BackendAddress address) {
        if (failure instanceof UnknownHostException || failure instanceof UnresolvedAddressException) {
            return "DNS failure: " + address.host();
        }
        if (failure instanceof NoRouteToHostException) {
            return "unreachable";
        }
        String message =
                failure.getMessage() == null ? "" : failure.getMessage().toLowerCase(Locale.ROOT);
        if (failure instanceof ConnectException && message.contains("refused")) {
            return "connection refused";
        }
        if (failure instanceof SocketException && message.contains("unreachable")) {
            return "unreachable";
        }
        if (failure instanceof ConnectException && message.contains("timed out")) {
            return "timed out";
        }
        return "connect failed: " + failure;
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

    private static void closeQuietly(AsynchronousSocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing was sent; the probe's result is already decided
        }
    }

    @Override
    public String toString() {
        return "tcp";
    }
}
