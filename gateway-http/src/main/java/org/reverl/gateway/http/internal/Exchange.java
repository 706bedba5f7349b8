package org.reverl.gateway.http.internal;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.RequestContext.HashKey;
import org.reverl.gateway.http.ProxyObserver;
import org.reverl.gateway.http.ProxyPool;
import org.reverl.gateway.http.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request at a time of a client connection, from its head to the end of its response: decides its framing, checks
 * it, receives a small body whole before any of it leaves, takes a backend through the load balancer, sends the request
 * on a pooled connection of the same event loop, fails over, and ends the exchange. The response itself goes through
 * the {@link ResponseRelay}. One per connection, reused by each request; confined to its event loop.
 *
 * <h2>Bodies</h2>
 * The decoder gives a request a body only by {@code Transfer-Encoding: chunked} or {@code Content-Length} (see {@link
 * FrontendCodec}). A body of up to {@code bufferedBody} bytes (a chunked one until it grows past that) is received
 * whole, framing checked, before the backend sees any byte of the request: a malformed chunk is a 400 that no backend
 * ever hears of, and the body can be sent again. A larger body streams; a framing error or a limit passed in the middle
 * of it closes that backend connection (never returned to its pool, so the backend cannot take what it got for a
 * complete request) and the client's.
 *
 * <h2>Failover</h2>
 * A request whose backend could not be connected is retried on another backend whatever its method (nothing was sent).
 * Once sent, it is retried only if its method is idempotent, it was sent whole from what the proxy holds (no body, or a
 * buffered one), and no byte of a response reached the client. Each retry takes one permit of the load balancer's retry
 * budget.
 */
final class Exchange implements RequestContext {

    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    /** Waiting for a request head. */
    private static final int IDLE = 0;
    /** A head arrived; its body, if any, is being received whole. Nothing was sent anywhere. */
    private static final int RECEIVING = 1;
    /** A connection to the backend is being opened, or waited for in its queue. */
    private static final int CONNECTING = 2;
    /** The request goes to the backend; its body is still coming from the client. */
    private static final int STREAMING = 3;
    /** The request was sent whole; the response is coming. */
    private static final int AWAITING = 4;
    /** The backend switched protocols: the connection is a {@link Tunnel}, and the exchange is over for good. */
    private static final int TUNNEL = 5;

    /** The connect timeout of a last-resort try. */
    static final int LAST_RESORT_CONNECT_MILLIS = 250;

    /** {@link #bodyLength} of a chunked body: not known until its last chunk. */
    private static final long CHUNKED = -1;

    private final ClientConnection conn;
    private final ProxySettings settings;
    private final ResponseRelay relay;
    private final RequestBody body = new RequestBody();
    private final Dispatch dispatch;
    private final Upstream upstream;
    private final Failover failover;

    private int state = IDLE;
    private HttpRequest request;
    private boolean requestComplete;
    /** Body bytes went to a backend connection and are no longer held: the request cannot be sent again. */
    private boolean streamed;

    private boolean idempotent;
    /** The protocols the request asks to switch to, passed on to the backend; {@code null} for a plain request. */
    private String upgrade;

    /** The pool the request's route chose, or {@code null} when no route matched. */
    private ProxyPool pool;

    private boolean http10;
    private boolean closeAfterResponse;

    Exchange(ClientConnection conn, ProxySettings settings) {
        this.conn = conn;
        this.settings = settings;
        this.relay = new ResponseRelay(conn, this, settings);
        this.dispatch = new Dispatch(settings);
        this.upstream = new Upstream(this, settings);
        this.failover = new Failover(this, conn, settings, relay, dispatch, upstream);
    }

    // ---------------------------------------------------------------- RequestContext

    @Override
    public long affinityHash() {
        return conn.affinityHash();
    }

    @Override
    public long keyHash(HashKey key) {
        return request == null ? conn.affinityHash() : KeyHashes.of(request, key, conn.affinityHash());
    }

    @Override
    public int attempt() {
        return dispatch.tries();
    }

    // ---------------------------------------------------------------- what the relay and the failover read

    ResponseRelay relay() {
        return relay;
    }

    /** What decides what a failed try leads to. */
    Failover failover() {
        return failover;
    }

    /** The pool the request's route chose; {@code null} when no route matched. */
    ProxyPool pool() {
        return pool;
    }

    /**
     * Whether the request may be sent again after a backend got it: an idempotent method (never an upgrade), received
     * whole, its body (if any) still held, none of it streamed.
     */
    boolean replayable() {
        return idempotent && requestComplete && !streamed;
    }

    HttpRequest request() {
        return request;
    }

    boolean http10() {
        return http10;
    }

    boolean requestComplete() {
        return requestComplete;
    }

    boolean closeAfterResponse() {
        return closeAfterResponse;
    }

    /**
     * Whether the response may come as a {@link SplicedResponse}: the client speaks HTTP/1.1 on its own connection
     * (an HTTP/2 stream needs a decoded head to make frames of; an HTTP/1.0 client may need the body re-framed), and
     * the request is neither a {@code HEAD} (whose response has no body despite its length) nor an upgrade.
     */
    boolean spliceable() {
        return settings.spliceResponses
                && conn.codec() != null
                && !http10
                && upgrade == null
                && !HttpMethod.HEAD.equals(request.method());
    }

    /** Whether the request asks for an upgrade that was passed on: a 101 to it opens a tunnel. */
    boolean upgrading() {
        return upgrade != null;
    }

    /**
     * The upgrade will not happen (the answer is not a 101): the client connection goes on with HTTP, unless the client
     * sent bytes ahead of the answer, which no longer parse as HTTP; then it ends with the response.
     */
    void upgradeDeclined() {
        if (upgrade != null) {
            upgrade = null;
            closeAfterResponse |= conn.resumeHttp();
        }
    }

    /** The response decided that the client connection ends with it. */
    void closeAfterResponse(boolean close) {
        closeAfterResponse |= close;
    }

    // ---------------------------------------------------------------- from the client connection

    /** Whether the exchange can take {@code msg} now; if not, it waits in the connection's queue. */
    boolean accepts(Object msg) {
        switch (state) {
            case IDLE:
                return true;
            case RECEIVING:
            case STREAMING:
                return msg instanceof HttpContent;
            default:
                return false;
        }
    }

    /** Takes a message {@link #accepts accepted}. */
    void handle(Object msg) {
        switch (state) {
            case IDLE:
                if (msg instanceof HttpRequest) {
                    begin((HttpRequest) msg);
                } else {
                    ReferenceCountUtil.release(msg); // the rest of a request that was answered already
                }
                break;
            case RECEIVING:
                receive((HttpContent) msg);
                break;
            case STREAMING:
                forward((HttpContent) msg);
                break;
            default:
                ReferenceCountUtil.release(msg);
        }
    }

    /** Whether the client must not be read now: a streamed body waits for its backend connection to drain. */
    boolean holdsClientReads() {
        return state == STREAMING && !upstream.writable();
    }

    void flushBackend() {
        if (state == STREAMING) {
            upstream.flush(request);
        }
    }

    // ---------------------------------------------------------------- a request arrives

    private void begin(HttpRequest req) {
        conn.onRequestStarted();
        if (req instanceof SplicedRequest) {
            beginSpliced((SplicedRequest) req);
            return;
        }
        if (req.decoderResult().isFailure()) {
            ReferenceCountUtil.release(req);
            conn.reject(statusFor(req.decoderResult().cause()));
            return;
        }
        int fields = HeaderRules.check(req, settings.maxHeaderCount);
        HttpResponseStatus refused = HeaderRules.rejection(fields);
        if (refused == null && HeaderRules.isAbsolute(req.uri()) && !HeaderRules.absoluteToOriginForm(req)) {
            refused = HttpResponseStatus.BAD_REQUEST;
        }
        long bodyLength = (fields & HeaderRules.FIELD_TRANSFER_ENCODING) != 0
                ? CHUNKED
                : (fields & HeaderRules.FIELD_CONTENT_LENGTH) != 0 ? HttpUtil.getContentLength(req, 0L) : 0L;
        if (refused == null && bodyLength > settings.maxBody) {
            refused = HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
        }
        if (refused != null) {
            ReferenceCountUtil.release(req);
            conn.reject(refused);
            return;
        }
        HttpHeaders h = req.headers();
        request = req;
        requestComplete = false;
        streamed = false;
        http10 = req.protocolVersion().minorVersion() == 0;
        closeAfterResponse = (fields & HeaderRules.HOP_CONNECTION) != 0
                ? !HttpUtil.isKeepAlive(req)
                : !req.protocolVersion().isKeepAliveDefault();
        // an HTTP/2 stream has no Upgrade (its codec refuses connection-specific fields): only HTTP/1.1 switches
        upgrade = conn.codec() == null ? null : HeaderRules.upgradeOf(req, fields, bodyLength != 0);
        if ((fields & HeaderRules.FIELD_UPGRADE) != 0 && upgrade == null) {
            // an Upgrade that is not passed on is removed with the other hop-by-hop fields, and HTTP goes on
            closeAfterResponse |= conn.resumeHttp();
        }
        // an upgrade is never sent twice: the backend may have switched, and acted on it
        idempotent = upgrade == null && isIdempotent(req.method());
        // the router of this moment; the request keeps its pool whatever a reload does meanwhile
        pool = settings.router.get().route(req.method().name(), h.get(HttpHeaderNames.HOST), req.uri(), h);
        dispatch.reset(pool);
        relay.reset();
        failover.reset();

        HeaderRules.removeHopByHop(h, fields);
        if (upgrade != null) {
            HeaderRules.setUpgrade(h, upgrade);
        }
        HeaderRules.setForwarded(h, fields, conn.clientIp(), settings.proto, conn.trustedPeer(), settings.rfc7239);
        HeaderRules.appendVia(h, http10 ? settings.via10 : settings.via11, fields);
        req.setProtocolVersion(HttpVersion.HTTP_1_1);

        boolean buffered = bodyLength == 0
                || settings.bufferedBody > 0 && (bodyLength == CHUNKED || bodyLength <= settings.bufferedBody);
        if (bodyLength != 0 && buffered && (fields & HeaderRules.FIELD_EXPECT) != 0) {
            answerContinue(h);
        }
        state = RECEIVING;
        if (bodyLength != 0) {
            conn.awaitBody();
        }
        if (!buffered) {
            // too large to hold: it streams, so the backend is taken now
            startAttempt();
        }
    }

    /**
     * A head {@link RequestSplicer} took as bytes: checked already, bodiless, HTTP/1.1, with nothing for the proxy to
     * remove or join; the fields the proxy adds go on when it is sent ({@link #forwardedBytes}). Its end (the empty
     * last content) follows at once and starts the first try.
     */
    private void beginSpliced(SplicedRequest req) {
        request = req;
        requestComplete = false;
        streamed = false;
        http10 = false;
        closeAfterResponse = req.close();
        upgrade = null;
        idempotent = isIdempotent(req.method());
        Router router = settings.router.get();
        pool = router.route(
                req.method().name(),
                req.host(),
                req.uri(),
                router.matchesFields() ? req.headers() : EmptyHttpHeaders.INSTANCE);
        dispatch.reset(pool);
        relay.reset();
        failover.reset();
        state = RECEIVING;
    }

    /** The bytes of a spliced request for its backend, with the fields the proxy adds, as the decoded path adds them. */
    io.netty.buffer.ByteBuf forwardedBytes(SplicedRequest req, io.netty.buffer.ByteBufAllocator alloc) {
        String forwarded =
                settings.rfc7239 ? HeaderRules.forwardedElement(conn.clientIp(), settings.proto, req.host()) : null;
        return req.forward(alloc, conn.clientIp(), settings.proto, forwarded, settings.via11);
    }

    /**
     * The proxy receives the body before any backend is involved, so it answers {@code Expect: 100-continue} itself
     * (as nginx and HAProxy do when they buffer) and the backend gets the body without waiting.
     */
    private void answerContinue(HttpHeaders h) {
        String expect = h.get(HttpHeaderNames.EXPECT);
        if (expect != null && HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim())) {
            h.remove(HttpHeaderNames.EXPECT);
            if (!http10) {
                conn.ctx()
                        .writeAndFlush(
                                new DefaultFullHttpResponse(
                                        HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER),
                                conn.ctx().voidPromise());
            }
        }
    }

    private static boolean isIdempotent(HttpMethod m) {
        return m.equals(HttpMethod.GET)
                || m.equals(HttpMethod.HEAD)
                || m.equals(HttpMethod.PUT)
                || m.equals(HttpMethod.DELETE)
                || m.equals(HttpMethod.OPTIONS)
                || m.equals(HttpMethod.TRACE);
    }

    static HttpResponseStatus statusFor(Throwable cause) {
        if (cause instanceof RequestRejectedException) {
            return ((RequestRejectedException) cause).status();
        }
        if (cause instanceof TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        return HttpResponseStatus.BAD_REQUEST;
    }

    /** A piece of a body being received whole (or the end of a bodiless request): kept, nothing sent yet. */
    private void receive(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            ReferenceCountUtil.release(content);
            refuseUnsent(HttpResponseStatus.BAD_REQUEST);
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (content.content().isReadable()
                || last && !((LastHttpContent) content).trailingHeaders().isEmpty()) {
            body.add(content, conn.ctx().alloc());
            if (body.received() > settings.maxBody) {
                refuseUnsent(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
                return;
            }
            conn.onBodyProgress();
        } else {
            content.release();
        }
        if (last) {
            requestComplete = true;
            conn.bodyDone();
            startAttempt();
        } else if (body.received() > settings.bufferedBody && state == RECEIVING) {
            // a chunked body grew past what is held: it streams from here
            startAttempt();
        }
    }

    /** A request refused before any byte of it was sent: answered, and the connection closed. */
    private void refuseUnsent(HttpResponseStatus status) {
        body.clear();
        dropRequest();
        state = IDLE;
        conn.reject(status);
    }

    /** A piece of a streamed body: goes on to the backend connection. */
    private void forward(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            ReferenceCountUtil.release(content);
            abortStreaming(HttpResponseStatus.BAD_REQUEST, "malformed request body");
            return;
        }
        body.count(content);
        if (body.received() > settings.maxBody) {
            ReferenceCountUtil.release(content);
            abortStreaming(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body over the limit");
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (content.content().isReadable()
                || last && !((LastHttpContent) content).trailingHeaders().isEmpty()) {
            streamed = true;
        }
        if (last) {
            requestComplete = true;
            conn.bodyDone();
            state = AWAITING;
            upstream.stream(request, content);
        } else {
            conn.onBodyProgress();
            if (!upstream.stream(request, content)) {
                conn.pauseReading();
            }
        }
    }

    // ---------------------------------------------------------------- attempts

    /** Takes a backend for the next try of the request and opens (or takes from the pool) a connection to it. */
    void startAttempt() {
        if (pool == null) {
            // no route matched and there is no default pool: no backend is involved
            fail(HttpResponseStatus.valueOf(settings.router.get().noMatchStatus()));
            return;
        }
        Backend chosen = dispatch.acquire(this);
        if (chosen == null) {
            fail(failover.noBackendStatus());
            return;
        }
        BackendPools.Pool connections;
        try {
            connections = settings.pools.pool(chosen, conn.ctx().channel().eventLoop(), pool);
        } catch (IllegalArgumentException e) {
            // an address this transport cannot reach: not delivered, try another
            failover.onNotDelivered(chosen, "invalid address", false, e, ProxyObserver.Failure.CONNECT, true);
            return;
        }
        state = CONNECTING;
        // a backend out of rotation tried as a last resort gets a short connect timeout: the answer stays fast when
        // it is still gone
        int connectMillis = connections.connectTimeoutMillis();
        upstream.open(
                connections,
                dispatch.lastResort() ? Math.min(connectMillis, LAST_RESORT_CONNECT_MILLIS) : connectMillis,
                upgrade != null);
    }

    /** A connection to the backend is at hand: the request goes on it. */
    void onUpstreamReady(BackendHandler b, boolean fromPool) {
        b.attach(this, fromPool);
        relay.attach(b);
        // HeaderRules.check made sure an HTTP/1.1 request has one
        if (http10 && !request.headers().contains(HttpHeaderNames.HOST)) {
            request.headers().set(HttpHeaderNames.HOST, b.pool().authority);
        }
        if (requestComplete) {
            // the whole request is at hand (no body, or a buffered one, kept for a retry): one message
            state = AWAITING;
            upstream.sendWhole(request, body.retainedContent(), body.trailers());
        } else {
            state = STREAMING;
            HttpContent first = body.isHeld() ? body.takeForStreaming() : null;
            streamed |= first != null;
            upstream.startStreaming(request, first);
            conn.drainInbound();
            flushBackend();
        }
        conn.maybeRead();
    }

    // ---------------------------------------------------------------- from the backend connection

    void onBackendMessage(BackendHandler b, Object msg) {
        if (b != upstream.backend()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        relay.relay(msg);
    }

    void onBackendReadComplete(BackendHandler b) {
        if (b == upstream.backend()) {
            relay.readComplete();
        }
    }

    void onBackendWritable(BackendHandler b) {
        if (b == upstream.backend() && state == STREAMING) {
            conn.maybeRead();
        }
    }

    /** The backend connection closed or failed while this exchange used it. */
    void onBackendFailed(BackendHandler b, Throwable cause) {
        if (b == upstream.backend()) {
            failover.backendBroke(cause == null ? "connection closed" : cause.toString());
        }
    }

    /** The backend connection's response timer fired while this exchange used it. */
    void onBackendTimeout(BackendHandler b) {
        if (b == upstream.backend()) {
            failover.onBackendTimeout();
        }
    }

    /** The response ended whole; called by the relay. */
    void onResponseComplete(boolean backendKeepAlive, int status) {
        BackendHandler b = detachBackend();
        dispatch.succeeded(status);
        if (backendKeepAlive && requestComplete) {
            b.pool().release(b);
        } else {
            b.close();
        }
        finish(closeAfterResponse || !requestComplete);
    }

    /**
     * The backend answered the upgrade with a 101, relayed to the client whole: both connections become a {@link
     * Tunnel}, which keeps the lease until it closes. Never retried from here on.
     */
    void onSwitched() {
        long nanos = dispatch.upgraded();
        BackendHandler b = detachBackend();
        state = TUNNEL;
        body.clear();
        dropRequest();
        upgrade = null;
        Tunnel.open(settings, conn, b, dispatch, nanos);
    }

    /** Leaves the backend connection; returns it, for the caller to pool or close. */
    BackendHandler detachBackend() {
        relay.detach();
        return upstream.detach();
    }

    // ---------------------------------------------------------------- ends

    /** Answers with an error status when no backend served the request; no response byte was sent yet. */
    void fail(HttpResponseStatus status) {
        upgradeDeclined();
        dispatch.release();
        relay.detach();
        upstream.abandon();
        boolean close = closeAfterResponse || !requestComplete;
        settings.observer.onRejected(status.code());
        conn.ctx().writeAndFlush(ErrorResponses.of(status, close), conn.ctx().voidPromise());
        finish(close);
    }

    /**
     * The client sent a body the proxy will not pass on (malformed, or over the limit) after part of it went to a
     * backend: that backend connection is closed, never pooled, so the backend cannot take what it got for a complete
     * request; the backend is not blamed.
     */
    private void abortStreaming(HttpResponseStatus status, String reason) {
        if (log.isDebugEnabled()) {
            log.debug("client {}: {} on {} {}", conn.clientIp(), reason, request.method(), request.uri());
        }
        boolean started = relay.started();
        abandon();
        if (started) {
            conn.abortClient();
        } else {
            conn.reject(status);
        }
    }

    /** The client paused a request body longer than the body timeout. */
    void onBodyTimeout() {
        if (state == IDLE) {
            return;
        }
        boolean started = relay.started();
        abandon();
        if (started) {
            conn.abortClient();
        } else {
            conn.reject(HttpResponseStatus.REQUEST_TIMEOUT);
        }
    }

    /** The client stopped taking the response for longer than the send timeout: the connection is aborted. */
    void onClientGone() {
        BackendHandler b = upstream.backend();
        settings.observer.onProxyError(b != null ? b.pool().backend : null, ProxyObserver.ProxyError.CLIENT_STALLED);
        abandon();
    }

    /** The client connection closed. */
    void onClientClosed() {
        abandon();
    }

    /**
     * Ends the exchange without a result for the backend: a connection being opened or used is closed (it may hold a
     * partial request or response), and the lease is released, since the client's behaviour tells nothing about the
     * backend.
     */
    void abandon() {
        if (state == TUNNEL) {
            return; // the tunnel owns the connections and the lease
        }
        relay.detach();
        upstream.abandon();
        dispatch.release();
        relay.reset();
        body.clear();
        dropRequest();
        state = IDLE;
    }

    /** Lets go of the request: a spliced one goes back to its pool, for the next request of this event loop. */
    private void dropRequest() {
        HttpRequest r = request;
        request = null;
        if (r instanceof SplicedRequest) {
            ((SplicedRequest) r).recycle();
        }
    }

    private void finish(boolean close) {
        if (upgrade != null) {
            upgrade = null;
            close |= conn.resumeHttp();
        }
        body.clear();
        dropRequest();
        state = IDLE;
        conn.endExchange(close);
    }
}
