package org.reverl.gateway.http.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
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
import java.time.Duration;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendTimeoutException;
import org.reverl.gateway.api.BackendUnavailableException;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.RequestContext.HashKey;
import org.reverl.gateway.http.ProxyObserver;
import org.reverl.gateway.http.ProxyPool;
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
    /** The status of the last answer discarded to retry the request ({@link #retriesResponse}), or 0. */
    private int discardedStatus;

    Exchange(ClientConnection conn, ProxySettings settings) {
        this.conn = conn;
        this.settings = settings;
        this.relay = new ResponseRelay(conn, this, settings);
        this.dispatch = new Dispatch(settings);
        this.upstream = new Upstream(this, settings);
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

    // ---------------------------------------------------------------- what the relay reads

    ResponseRelay relay() {
        return relay;
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
        discardedStatus = 0;

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
        request = null;
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

    private void startAttempt() {
        if (pool == null) {
            // no route matched and there is no default pool: no backend is involved
            failExchange(HttpResponseStatus.valueOf(settings.router.get().noMatchStatus()));
            return;
        }
        Backend chosen = dispatch.acquire(this);
        if (chosen == null) {
            // after a discarded answer, no backend is left to try: the client learns what the last one said
            failExchange(
                    discardedStatus != 0
                            ? HttpResponseStatus.valueOf(discardedStatus)
                            : dispatch.failedBefore()
                                    ? HttpResponseStatus.BAD_GATEWAY
                                    : HttpResponseStatus.SERVICE_UNAVAILABLE);
            return;
        }
        BackendPools.Pool connections;
        try {
            connections = settings.pools.pool(chosen, conn.ctx().channel().eventLoop(), pool);
        } catch (IllegalArgumentException e) {
            // an address this transport cannot reach: not delivered, try another
            onNotDelivered(chosen, "invalid address", false, e, ProxyObserver.Failure.CONNECT, true);
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

    /**
     * The backend's connections are all in use and its queue is full, or the wait was too long: 503, and nothing
     * against the backend (it is busy, not broken). Not retried: the burst would only move to the next backend.
     */
    void onQueueRefused(String reason) {
        Backend be = dispatch.backend();
        dispatch.abandoned(reason);
        settings.observer.onProxyError(be, ProxyObserver.ProxyError.BACKEND_QUEUE);
        failExchange(HttpResponseStatus.SERVICE_UNAVAILABLE);
    }

    /** No connection could be opened to the backend. */
    void onConnectFailed(Throwable cause) {
        Backend be = dispatch.backend();
        if (ConnectFailures.isLocal(cause)) {
            // the proxy's own limit (file descriptors, local ports): no backend is to blame, and another one would
            // meet the same limit
            log.warn("cannot connect to backend {}: {}", be.id(), cause.toString());
            dispatch.abandoned("local resources: " + cause.getMessage());
            settings.observer.onProxyError(be, ProxyObserver.ProxyError.LOCAL_RESOURCES);
            failExchange(HttpResponseStatus.SERVICE_UNAVAILABLE);
            return;
        }
        if (cause instanceof BackendTlsException) {
            // nothing was sent; a refused certificate will be refused again, so it proves the backend unusable
            BackendTlsException tls = (BackendTlsException) cause;
            onNotDelivered(be, tls.getMessage(), tls.certificateRefused(), cause, ProxyObserver.Failure.CONNECT, true);
        } else if (cause instanceof ConnectTimeoutException) {
            // a last-resort try is out of rotation already: trying the next one costs the fleet nothing
            onNotDelivered(be, "connect timeout", false, cause, ProxyObserver.Failure.CONNECT, dispatch.lastResort());
        } else if (ConnectFailures.isDns(cause)) {
            onNotDelivered(
                    be, "DNS failure: " + ConnectFailures.host(be), true, cause, ProxyObserver.Failure.CONNECT, true);
        } else {
            // refused or unreachable: the backend is gone, and so are its kept-alive connections
            settings.pools.invalidate(be);
            onNotDelivered(be, "connection refused", true, cause, ProxyObserver.Failure.CONNECT, true);
        }
    }

    /** The request did not reach the backend: report, and fail over whatever the method. */
    private void onNotDelivered(
            Backend b,
            String reason,
            boolean backendDown,
            Throwable cause,
            ProxyObserver.Failure failure,
            boolean freeRetry) {
        dispatch.failed(new BackendUnavailableException(b.id(), reason, backendDown, cause), failure, reason);
        if (log.isDebugEnabled()) {
            log.debug("backend {} did not take {} {}: {}", b.id(), request.method(), request.uri(), reason);
        }
        retryOrFail(b, HttpResponseStatus.BAD_GATEWAY, freeRetry);
    }

    private void retryOrFail(Backend failed, HttpResponseStatus status, boolean free) {
        if (conn.isClosed()) {
            return;
        }
        if (dispatch.mayRetry(failed, free)) {
            relay.reset();
            startAttempt();
        } else {
            failExchange(status);
        }
    }

    /** A connection to the backend is at hand: the request goes on it. */
    void onUpstreamReady(BackendHandler b, boolean fromPool) {
        b.attach(this, fromPool);
        relay.attach(b);
        HttpHeaders h = request.headers();
        // HeaderRules.check made sure an HTTP/1.1 request has one
        if (http10 && !h.contains(HttpHeaderNames.HOST)) {
            h.set(HttpHeaderNames.HOST, b.pool().authority);
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
            backendBroke(cause == null ? "connection closed" : cause.toString());
        }
    }

    /**
     * Whether a final response of this status is discarded and the request sent to another backend: the status is one
     * that {@code retry.on} lists, nothing of a response reached the client, the request can be sent again whole (an
     * idempotent method, no body streamed), and another try is allowed (the attempt limit and the retry budget, whose
     * permit this takes). Called by the relay when a response head arrives.
     */
    boolean retriesResponse(int status) {
        return pool.retryOn().matches(status)
                && !relay.started()
                && idempotent
                && requestComplete
                && !streamed
                && !conn.isClosed()
                && dispatch.mayRetry(dispatch.backend(), false);
    }

    /**
     * The answer {@link #retriesResponse} chose to retry was read to its end and dropped: it counts for its backend (as
     * a response of its status), its connection goes back to the pool if the backend keeps it, and the request goes to
     * another backend.
     */
    void onResponseDiscarded(boolean backendKeepAlive, int status) {
        BackendHandler b = detachBackend();
        Backend be = dispatch.backend();
        dispatch.answeredForRetry(status);
        if (backendKeepAlive) {
            b.pool().release(b);
        } else {
            b.close();
        }
        if (log.isDebugEnabled()) {
            log.debug("backend {} answered {} {} with {}: retried", be.id(), request.method(), request.uri(), status);
        }
        discardedStatus = status;
        relay.reset();
        startAttempt();
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
        request = null;
        upgrade = null;
        Tunnel.open(settings, conn, b, dispatch, nanos);
    }

    /** The backend broke the exchange: closed, reset, or sent what is not HTTP. Called by the relay too. */
    void backendBroke(String reason) {
        boolean stale = upstream.backend().failureLooksStale() && !relay.started();
        detachBackend().close();
        Backend be = dispatch.backend();
        if (stale) {
            onStaleConnection(be, reason);
            return;
        }
        dispatch.failed(new BackendFailureException(be.id(), reason), ProxyObserver.Failure.RESET, reason);
        if (log.isDebugEnabled()) {
            log.debug("backend {} failed {} {}: {}", be.id(), request.method(), request.uri(), reason);
        }
        if (relay.started()) {
            // never let a truncated response look complete
            abandon();
            conn.abortClient();
        } else if (idempotent && requestComplete && !streamed) {
            retryOrFail(be, HttpResponseStatus.BAD_GATEWAY, false);
        } else {
            failExchange(HttpResponseStatus.BAD_GATEWAY);
        }
    }

    /**
     * A kept-alive connection died under the request before any of a response came: the backend closed it (its idle
     * timeout) or died. Either way its other idle connections are suspect, so every event loop drops them; nothing is
     * counted against the backend (a connection of its own will tell whether it is gone), and the request, if it may be
     * sent again, goes to another backend without spending the retry budget.
     */
    private void onStaleConnection(Backend be, String reason) {
        settings.pools.invalidate(be);
        dispatch.abandoned("kept-alive connection lost: " + reason);
        if (log.isDebugEnabled()) {
            log.debug(
                    "backend {}: kept-alive connection lost under {} {}: {}",
                    be.id(),
                    request.method(),
                    request.uri(),
                    reason);
        }
        if (idempotent && requestComplete && !streamed) {
            retryOrFail(be, HttpResponseStatus.BAD_GATEWAY, true);
        } else {
            failExchange(HttpResponseStatus.BAD_GATEWAY);
        }
    }

    void onBackendTimeout(BackendHandler b) {
        if (b != upstream.backend()) {
            return;
        }
        detachBackend();
        Backend be = dispatch.backend();
        Duration timeout = pool.responseTimeout();
        dispatch.failed(
                new BackendTimeoutException(be.id(), timeout),
                ProxyObserver.Failure.TIMEOUT,
                "no response within " + timeout);
        log.debug("backend {} did not answer {} {} within {}", be.id(), request.method(), request.uri(), timeout);
        if (relay.started()) {
            abandon();
            conn.abortClient();
        } else {
            failExchange(HttpResponseStatus.GATEWAY_TIMEOUT);
        }
    }

    /** Leaves the backend connection; returns it, for the caller to pool or close. */
    private BackendHandler detachBackend() {
        relay.detach();
        return upstream.detach();
    }

    // ---------------------------------------------------------------- ends

    /** Answers with an error status when no backend served the request; no response byte was sent yet. */
    private void failExchange(HttpResponseStatus status) {
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
    private void abandon() {
        if (state == TUNNEL) {
            return; // the tunnel owns the connections and the lease
        }
        relay.detach();
        upstream.abandon();
        dispatch.release();
        relay.reset();
        body.clear();
        request = null;
        state = IDLE;
    }

    private void finish(boolean close) {
        if (upgrade != null) {
            upgrade = null;
            close |= conn.resumeHttp();
        }
        body.clear();
        request = null;
        state = IDLE;
        conn.endExchange(close);
    }
}
