package org.reverl.gateway.http.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Carries a backend's response to the client: rewrites its head (hop-by-hop fields, {@code Via}, framing for the
 * client's version, {@code Connection}), streams its body, and applies backpressure: while the client connection is
 * not writable the backend connection is not read, its response timer is paused (a client that does not read is not
 * the backend's fault), and the client's send timeout runs. One per connection, reused by each response; confined to
 * its event loop.
 */
final class ResponseRelay {

    private final ClientConnection conn;
    private final Exchange exchange;
    private final ProxySettings settings;

    private BackendHandler backend;
    /**
     * A final response head not written yet: held until the next piece of the response, so that a response whose end
     * came in the same read goes out as one message (the encoder then copies a small body into the head's buffer: one
     * buffer, one write); written as it is at the end of the read otherwise.
     */
    private HttpResponse heldHead;

    private boolean pendingFlush;
    /** Reading the backend was turned off because the client connection is not writable. */
    private boolean backendPaused;
    /** A byte of a response (interim or final) was passed to the client: the request can no longer be retried. */
    private boolean started;

    private boolean interim;
    /** A 101 to an upgrade request was written: its end turns the connections into a tunnel. */
    private boolean switching;

    private boolean backendKeepAlive;
    private int status;
    /** The response is read and dropped, for the request to be retried ({@link Failover#retriesResponse}). */
    private boolean discarding;

    ResponseRelay(ClientConnection conn, Exchange exchange, ProxySettings settings) {
        this.conn = conn;
        this.exchange = exchange;
        this.settings = settings;
    }

    /** Whether any byte of a response went to the client. */
    boolean started() {
        return started;
    }

    /** A new request, or a new attempt of one: nothing of a response was seen. */
    void reset() {
        heldHead = null;
        pendingFlush = false;
        started = false;
        interim = false;
        switching = false;
        discarding = false;
        status = 0;
    }

    /** The response will come from {@code b}. */
    void attach(BackendHandler b) {
        backend = b;
        pendingFlush = false;
        backendPaused = false;
    }

    /** The exchange leaves its backend connection; a held head is dropped (it owns no buffer). */
    void detach() {
        backend = null;
        heldHead = null;
        pendingFlush = false;
        if (backendPaused) {
            backendPaused = false;
            conn.onSendResumed();
        }
    }

    /** A piece of the response from the backend connection. */
    void relay(Object msg) {
        ChannelHandlerContext ctx = conn.ctx();
        if (msg instanceof SplicedResponse) {
            relaySpliced(ctx, (SplicedResponse) msg);
            return;
        }
        if (discarding) {
            discard(msg);
            return;
        }
        if (msg instanceof HttpResponse) {
            HttpResponse res = (HttpResponse) msg;
            if (res.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                exchange.failover()
                        .backendBroke("invalid response: " + res.decoderResult().cause());
                return;
            }
            HttpResponseStatus s = res.status();
            if (s.codeClass() == HttpStatusClass.INFORMATIONAL) {
                if (s.code() == 101) {
                    switchProtocols(ctx, res);
                    return;
                }
                interim = true;
                if (exchange.http10()) {
                    // an HTTP/1.0 client does not know interim responses (RFC 9110 section 15.2)
                    ReferenceCountUtil.release(msg);
                    return;
                }
                HeaderRules.removeHopByHop(res);
                res.setProtocolVersion(HttpVersion.HTTP_1_1);
                started = true;
                ctx.write(res, ctx.voidPromise());
                pendingFlush = true;
                return;
            }
            if (exchange.failover().retriesResponse(s.code())) {
                status = s.code();
                backendKeepAlive = isKeepAlive(res, HeaderRules.hopByHopFields(res.headers()));
                discarding = true;
                discard(msg);
                return;
            }
            prepare(res);
            started = true;
            pendingFlush = true;
            if (msg instanceof HttpContent) {
                ctx.write(res, ctx.voidPromise());
            } else {
                heldHead = res;
                return;
            }
        }
        if (msg instanceof HttpContent) {
            HttpContent content = (HttpContent) msg;
            if (content.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                exchange.failover()
                        .backendBroke("invalid response body: "
                                + content.decoderResult().cause());
                return;
            }
            if (content instanceof LastHttpContent) {
                if (switching) {
                    interim = false;
                    switching = false;
                    ctx.writeAndFlush(content, ctx.voidPromise());
                    pendingFlush = false;
                    exchange.onSwitched();
                    return;
                }
                if (interim) {
                    interim = false;
                    if (exchange.http10()) {
                        content.release();
                    } else {
                        ctx.writeAndFlush(content, ctx.voidPromise());
                        pendingFlush = false;
                    }
                    return;
                }
                HttpResponse head = heldHead;
                if (head != null) {
                    heldHead = null;
                    LastHttpContent last = (LastHttpContent) content;
                    // takes over the body's buffer: releasing the full response releases it
                    ctx.writeAndFlush(
                            new DefaultFullHttpResponse(
                                    head.protocolVersion(),
                                    head.status(),
                                    last.content(),
                                    head.headers(),
                                    last.trailingHeaders()),
                            ctx.voidPromise());
                } else {
                    ctx.writeAndFlush(content, ctx.voidPromise());
                }
                pendingFlush = false;
                exchange.onResponseComplete(backendKeepAlive, status);
            } else {
                writeHeldHead(ctx);
                ctx.write(content, ctx.voidPromise());
                pendingFlush = true;
            }
        }
    }

    /**
     * A whole final response already in the client's bytes ({@link ResponseSplicer}): written and flushed as it is, or
     * dropped for a retry by its status, with the same outcome for the exchange as a decoded one.
     */
    private void relaySpliced(ChannelHandlerContext ctx, SplicedResponse res) {
        status = res.status();
        backendKeepAlive = res.backendKeepAlive();
        if (exchange.failover().retriesResponse(status)) {
            res.release();
            exchange.failover().onResponseDiscarded(backendKeepAlive, status);
            return;
        }
        exchange.upgradeDeclined();
        if (!exchange.requestComplete()) {
            exchange.closeAfterResponse(true);
        }
        started = true;
        ctx.writeAndFlush(
                exchange.closeAfterResponse() ? res.withConnectionClose(ctx.alloc()) : res, ctx.voidPromise());
        pendingFlush = false;
        exchange.onResponseComplete(backendKeepAlive, status);
    }

    /** Drops a piece of a response being discarded; at its end, the exchange retries the request. */
    private void discard(Object msg) {
        boolean last = msg instanceof LastHttpContent;
        if (msg instanceof HttpObject && ((HttpObject) msg).decoderResult().isFailure()) {
            Throwable cause = ((HttpObject) msg).decoderResult().cause();
            ReferenceCountUtil.release(msg);
            discarding = false;
            exchange.failover().backendBroke("invalid response: " + cause);
            return;
        }
        ReferenceCountUtil.release(msg);
        if (last) {
            discarding = false;
            exchange.failover().onResponseDiscarded(backendKeepAlive, status);
        }
    }

    /** The backend connection's read ended: flush to the client, and stop reading the backend if the client is full. */
    void readComplete() {
        ChannelHandlerContext ctx = conn.ctx();
        if (pendingFlush) {
            pendingFlush = false;
            writeHeldHead(ctx);
            ctx.flush();
        }
        if (!ctx.channel().isWritable() && !backendPaused && backend != null) {
            backendPaused = true;
            backend.channel().config().setAutoRead(false);
            backend.pauseResponseTimeout();
            conn.onSendStalled();
        }
    }

    /** The client connection's writability changed: reading the backend resumes once it can take more. */
    void onClientWritabilityChanged(boolean writable) {
        if (writable && backendPaused && backend != null) {
            backendPaused = false;
            conn.onSendResumed();
            backend.resumeResponseTimeout();
            backend.channel().config().setAutoRead(true);
        }
    }

    private void writeHeldHead(ChannelHandlerContext ctx) {
        HttpResponse head = heldHead;
        if (head != null) {
            heldHead = null;
            ctx.write(head, ctx.voidPromise());
        }
    }

    /**
     * A 101: relayed if the request asked for an upgrade and the answer names the protocol switched to; otherwise out
     * of protocol, a failure of the backend. Its end (the next message) turns the connections into a tunnel.
     */
    private void switchProtocols(ChannelHandlerContext ctx, HttpResponse res) {
        String protocol = res.headers().get(HttpHeaderNames.UPGRADE);
        if (!exchange.upgrading() || protocol == null || protocol.isBlank()) {
            ReferenceCountUtil.release(res);
            exchange.failover()
                    .backendBroke(exchange.upgrading() ? "101 response without Upgrade" : "unexpected 101 response");
            return;
        }
        HttpHeaders h = res.headers();
        int fields = HeaderRules.hopByHopFields(h);
        HeaderRules.removeHopByHop(h, fields);
        HeaderRules.setUpgrade(h, protocol);
        HeaderRules.appendVia(h, settings.via11, fields);
        res.setProtocolVersion(HttpVersion.HTTP_1_1);
        status = 101;
        interim = true;
        switching = true;
        started = true;
        ctx.write(res, ctx.voidPromise());
        pendingFlush = true;
    }

    /** Whether the backend keeps its connection open after this response ({@code fields} from HeaderRules). */
    private static boolean isKeepAlive(HttpResponse res, int fields) {
        return (fields & HeaderRules.HOP_CONNECTION) != 0
                ? HttpUtil.isKeepAlive(res)
                : res.protocolVersion().isKeepAliveDefault();
    }

    /** Rewrites a final response head for the client, in place. */
    private void prepare(HttpResponse res) {
        exchange.upgradeDeclined();
        HttpHeaders h = res.headers();
        int fields = HeaderRules.hopByHopFields(h);
        backendKeepAlive = isKeepAlive(res, fields);
        HeaderRules.removeHopByHop(h, fields);
        HeaderRules.appendVia(h, settings.via11, fields);
        int code = res.status().code();
        status = code;
        boolean http10 = exchange.http10();
        boolean noBody = HttpMethod.HEAD.equals(exchange.request().method()) || code == 204 || code == 304;
        if (!noBody) {
            boolean chunked =
                    (fields & HeaderRules.FIELD_TRANSFER_ENCODING) != 0 && HttpUtil.isTransferEncodingChunked(res);
            boolean length = (fields & HeaderRules.FIELD_CONTENT_LENGTH) != 0;
            if (http10) {
                if (chunked) {
                    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
                    exchange.closeAfterResponse(true);
                } else if (!length) {
                    exchange.closeAfterResponse(true);
                }
            } else if (!chunked && !length) {
                // delimited by the backend closing: re-frame as chunked so the client connection can stay
                HttpUtil.setTransferEncodingChunked(res, true);
            }
        }
        if (!exchange.requestComplete()) {
            // answered before the body was all sent: the rest is not read, so this connection ends
            exchange.closeAfterResponse(true);
        }
        if (exchange.closeAfterResponse()) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        res.setProtocolVersion(HttpVersion.HTTP_1_1);
    }
}
