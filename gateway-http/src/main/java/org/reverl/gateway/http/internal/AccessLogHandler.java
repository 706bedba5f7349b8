package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one line per request when its response ends, between the codec and the proxy of a client connection:
 * {@code 127.0.0.1:51234 "GET /index.html HTTP/1.1" 200 1043 2.31ms}. Pipelined requests are matched with their
 * responses in order; a response the proxy sent without a request it could parse (a 400 for a malformed request line)
 * logs {@code "-"}. Interim {@code 100 Continue} responses are not logged. Bytes are those of the response body.
 *
 * <p>Confined to the connection's event loop; added only when the access log is on, so it costs nothing otherwise.
 */
final class AccessLogHandler extends ChannelDuplexHandler {

    /** The access log's logger: route or silence it with the application's logging configuration. */
    static final Logger LOG = LoggerFactory.getLogger("org.reverl.access");

    private final Consumer<String> sink;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>(2);
    private Pending current;
    private String client = "-";

    AccessLogHandler(Consumer<String> sink) {
        this.sink = sink;
    }

    private static final class Pending {
        final String request;
        final long startNanos;
        int status;
        long bytes;

        Pending(String request, long startNanos) {
            this.request = request;
            this.startNanos = startNanos;
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        SocketAddress remote = ctx.channel().remoteAddress();
        if (remote instanceof InetSocketAddress) {
            InetSocketAddress a = (InetSocketAddress) remote;
            client = a.getAddress() != null ? a.getAddress().getHostAddress() + ':' + a.getPort() : a.toString();
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest) {
            HttpRequest r = (HttpRequest) msg;
            pending.add(new Pending(
                    '"'
                            + r.method().name()
                            + ' '
                            + r.uri()
                            + ' '
                            + r.protocolVersion().text()
                            + '"',
                    System.nanoTime()));
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof SplicedResponse) {
            // a whole response in one message
            SplicedResponse r = (SplicedResponse) msg;
            Pending done = pending.poll();
            if (done == null) {
                done = new Pending("\"-\"", System.nanoTime());
            }
            done.status = r.status();
            done.bytes = r.bodyLength();
            log(done);
            super.write(ctx, msg, promise);
            return;
        }
        if (msg instanceof HttpResponse) {
            HttpResponse r = (HttpResponse) msg;
            if (r.status().codeClass() != io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL
                    || r.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                current = pending.poll();
                if (current == null) {
                    current = new Pending("\"-\"", System.nanoTime());
                }
                current.status = r.status().code();
            }
        }
        if (current != null && msg instanceof ByteBufHolder) {
            ByteBuf content = ((ByteBufHolder) msg).content();
            current.bytes += content.readableBytes();
        }
        if (current != null && msg instanceof LastHttpContent) {
            Pending done = current;
            current = null;
            log(done);
        }
        super.write(ctx, msg, promise);
    }

    private void log(Pending p) {
        double ms = (System.nanoTime() - p.startNanos) / 1e6;
        sink.accept(client
                + ' '
                + p.request
                + ' '
                + p.status
                + ' '
                + p.bytes
                + ' '
                + String.format(Locale.ROOT, "%.2fms", ms));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (current != null) { // the response did not end: the connection closed under it
            Pending cut = current;
            current = null;
            sink.accept(client + ' ' + cut.request + ' ' + cut.status + ' ' + cut.bytes + " closed before the end");
        }
        pending.clear();
        super.channelInactive(ctx);
    }
}
