package org.reverl.server.admin;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Turns a whole HTTP request into an {@link AdminExchange}, has {@link AdminApi} answer it, and writes the reply with
 * the admin port's security headers. Probes and scrapes ({@code /healthz}, {@code /readyz}, {@code /metrics}) are
 * answered on the I/O thread; every
 * other request runs on the worker executor, so nothing that waits (a membership change, a reload, a file write) ever
 * holds up the I/O thread or the probes. Pipelined requests on one connection are answered in order, one at a time.
 *
 * <p>Shared by all connections; stateless.
 */
@ChannelHandler.Sharable
final class AdminHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final String CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri"
            + " 'none'; form-action 'none'";

    private final AdminApi api;
    private final Executor workers;

    AdminHttpHandler(AdminApi api, Executor workers) {
        this.api = api;
        this.workers = workers;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        AdminTimeouts.requestReceived(ctx);
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        AdminExchange.Reply refused = null;
        AdminExchange ex = null;
        if (!req.decoderResult().isSuccess()) {
            String why = req.decoderResult().cause() == null
                    ? "malformed"
                    : String.valueOf(req.decoderResult().cause().getMessage());
            refused = api.error(new ApiError(400, "bad request: " + ApiError.abbreviate(why)));
        } else {
            try {
                ex = exchange(ctx, req);
            } catch (ApiError e) {
                refused = api.error(e);
            }
        }
        boolean head = ex != null && ex.method().equals("HEAD");
        AdminExchange get = head ? withMethod(ex, "GET") : ex;
        AdminExchange.Reply early = refused;
        boolean keep = keepAlive && refused == null; // after a malformed request the connection closes
        // pipelined requests are answered in order: each starts when the one before it on this connection was written
        Connection c = connection(ctx);
        CompletableFuture<Void> previous = c.last;
        CompletableFuture<Void> written = new CompletableFuture<>();
        c.last = written;
        c.outstanding++;
        if (previous.isDone()) {
            dispatch(ctx, c, early, get, keep, head, written);
        } else {
            previous.whenComplete((ignored, error) ->
                    ctx.executor().execute(() -> dispatch(ctx, c, early, get, keep, head, written)));
        }
    }

    /** What one connection has in progress; event loop only. */
    private static final class Connection {
        CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
        int outstanding;
    }

    private static final AttributeKey<Connection> CONNECTION =
            AttributeKey.valueOf(AdminHttpHandler.class, "connection");

    private static Connection connection(ChannelHandlerContext ctx) {
        Connection c = ctx.channel().attr(CONNECTION).get();
        if (c == null) {
            c = new Connection();
            ctx.channel().attr(CONNECTION).set(c);
        }
        return c;
    }

    private void dispatch(
            ChannelHandlerContext ctx,
            Connection c,
            AdminExchange.Reply early,
            AdminExchange get,
            boolean keepAlive,
            boolean head,
            CompletableFuture<Void> written) {
        if (early != null) {
            write(ctx, c, early, false, false, written);
            return;
        }
        if (AdminApi.isQuick(get.method(), get.path())) {
            write(ctx, c, api.handle(get), keepAlive, head, written);
            return;
        }
        try {
            workers.execute(() -> {
                AdminExchange.Reply reply = api.handle(get);
                ctx.executor().execute(() -> write(ctx, c, reply, keepAlive, head, written));
            });
        } catch (RejectedExecutionException e) {
            write(
                    ctx,
                    c,
                    api.error(new ApiError(503, "admin API busy (expected: fewer concurrent changes)")),
                    false,
                    head,
                    written);
        }
    }

    private static AdminExchange withMethod(AdminExchange ex, String method) {
        return new AdminExchange(
                method,
                ex.path(),
                ex.query(),
                ex.host(),
                ex.origin(),
                ex.contentType(),
                ex.authorization(),
                ex.body(),
                ex.remote());
    }

    private static AdminExchange exchange(ChannelHandlerContext ctx, FullHttpRequest req) {
        QueryStringDecoder q;
        try {
            q = new QueryStringDecoder(req.uri());
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "request target: " + ApiError.abbreviate(req.uri()) + " (expected: a path)");
        }
        String path = q.path();
        if (path.isEmpty() || path.charAt(0) != '/') {
            throw new ApiError(400, "request target: " + ApiError.abbreviate(req.uri()) + " (expected: a path)");
        }
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        Map<String, List<String>> params = q.parameters();
        HttpHeaders h = req.headers();
        if (h.getAll(HttpHeaderNames.HOST).size() > 1) {
            throw new ApiError(400, "Host: given more than once (expected: once)");
        }
        return new AdminExchange(
                req.method().name().toUpperCase(Locale.ROOT),
                path,
                params,
                h.get(HttpHeaderNames.HOST),
                h.get(HttpHeaderNames.ORIGIN),
                h.get(HttpHeaderNames.CONTENT_TYPE),
                h.get(HttpHeaderNames.AUTHORIZATION),
                ByteBufUtil.getBytes(req.content()),
                remote(ctx.channel().remoteAddress()));
    }

    private static String remote(SocketAddress a) {
        if (a instanceof InetSocketAddress) {
            InetSocketAddress i = (InetSocketAddress) a;
            return i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
        }
        return "unix socket";
    }

    private static void write(
            ChannelHandlerContext ctx,
            Connection c,
            AdminExchange.Reply reply,
            boolean keepAlive,
            boolean head,
            CompletableFuture<Void> written) {
        FullHttpResponse res = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()),
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(reply.body()));
        HttpHeaders h = res.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        h.set(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
        h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Content-Security-Policy", CSP);
        reply.headers().forEach(h::set);
        boolean close = !keepAlive || "close".equalsIgnoreCase(reply.headers().get("Connection"));
        h.set(HttpHeaderNames.CONNECTION, close ? HttpHeaderValues.CLOSE : HttpHeaderValues.KEEP_ALIVE);
        if (close) {
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(res).addListener(f -> {
                if (c != null && --c.outstanding == 0 && f.isSuccess()) {
                    AdminTimeouts.responseSent(ctx); // idle again only when nothing else is in progress
                }
            });
        }
        if (written != null) {
            written.complete(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // a reset or a TLS failure: nothing to answer
    }
}
