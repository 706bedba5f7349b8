package org.reverl.gateway.http.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.reverl.gateway.api.Attempts;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.BackendTimeoutException;
import org.reverl.gateway.api.BackendUnavailableException;
import org.reverl.gateway.api.Lease;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.http.ProxyObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: reads requests, sends each through the {@link org.reverl.gateway.api.LoadBalancer} to a
 * backend connection of the same event loop, streams the request and response bodies with backpressure, fails over,
 * and maps failures to 502, 503 and 504. Confined to its event loop: no field is shared with another thread.
 *
 * <h2>Flow control</h2>
 * Each side reads only while the other can take what it reads: the client stops being read while its request body
 * streams to a backend connection that is not writable, and the backend stops being read while the client connection
 * is not writable ({@code AUTO_READ} is turned off then, and on again on the writability change). Requests the client
 * pipelined wait in {@link #inbound}; reading stops while it holds anything, so one socket read bounds it.
 *
 * <h2>Failover</h2>
 * A request whose backend could not be connected is retried on another backend whatever its method. Once sent, it is
 * retried only if its method is idempotent, it had no body (so it can be sent again as it is), and no byte of a
 * response reached the client. Each retry takes one permit of the load balancer's retry budget.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter implements RequestContext {

    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);

    /** Waiting for a request head. */
    private static final int IDLE = 0;
    /** A request head arrived; a backend connection is being opened. */
    private static final int CONNECTING = 1;
    /** The request goes to the backend; its body is still coming. */
    private static final int STREAMING = 2;
    /** The request was sent whole; the response is coming. */
    private static final int AWAITING = 3;
    /** An error response was sent for a body-less request; its remaining pieces are dropped. */
    private static final int DISCARDING = 4;
    /** Closing or closed: everything that arrives is dropped. */
    private static final int CLOSED = 5;

    private final ProxySettings settings;
    private final FrontendCodec codec;
    private final Attempts attempts = new Attempts();
    private final ChannelFutureListener connectListener = this::onConnected;
    private final Runnable timeoutTask = this::onTimer;

    private ChannelHandlerContext ctx;
    private String clientIp = "unknown";
    private boolean trustedPeer;
    private long affinityHash;
    private ArrayDeque<Object> inbound;
    private boolean draining;
    private int state = IDLE;
    /** Whether the client channel reads by itself; turned off only while the proxy must not read. */
    private boolean autoReading = true;

    // the exchange
    private HttpRequest request;
    private boolean requestComplete;
    private boolean replayable;
    private boolean idempotent;
    private boolean bodiless;
    private boolean http10;
    private boolean closeAfterResponse;
    private int attempt;
    private int retriesHeld;
    private Lease lease;
    private long leaseStart;
    private ChannelFuture connectFuture;
    private BackendHandler backend;
    private boolean backendKeepAlive;
    /** The status of the final response being relayed, for the {@link ProxyObserver}. */
    private int responseStatus;

    private boolean pendingBackendFlush;
    /**
     * The request head is not written yet: held until the next piece of the request, so that a request whose end came
     * with it goes out as one {@link FullHttpRequest} (one buffer, one pass through the pipeline); written before any
     * other content, and at the latest when the backend connection is flushed.
     */
    private boolean requestHeadHeld;

    private boolean pendingClientFlush;
    /**
     * A final response head not written yet: held until the next piece of the response, so that a response whose end
     * came in the same read goes out as one {@link FullHttpResponse} (the encoder then copies a small body into the
     * head's buffer: one buffer, one write); written as it is at the end of the read otherwise.
     */
    private HttpResponse heldHead;

    private boolean backendReadSuspended;
    private boolean responseStarted;
    private boolean interimResponse;

    // timeouts while IDLE
    private long idleSince;
    private boolean headStarted;
    private long headStart;
    private boolean firstRequest = true;
    private ScheduledFuture<?> timer;

    FrontendHandler(ProxySettings settings, FrontendCodec codec) {
        this.settings = settings;
        this.codec = codec;
    }

    // ---------------------------------------------------------------- RequestContext

    @Override
    public long affinityHash() {
        return affinityHash;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    // ---------------------------------------------------------------- client side

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        SocketAddress remote = ctx.channel().remoteAddress();
        if (remote instanceof InetSocketAddress) {
            InetSocketAddress isa = (InetSocketAddress) remote;
            if (isa.getAddress() != null) {
                clientIp = isa.getAddress().getHostAddress();
                trustedPeer = settings.trustedProxies.contains(isa.getAddress());
                affinityHash = isa.getAddress().hashCode() * 0x9E3779B97F4A7C15L;
            }
        }
        enterIdle();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == CLOSED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (inbound != null && !inbound.isEmpty()) {
            inbound.add(msg);
            pauseReading();
            drainInbound();
            return;
        }
        if (canHandle(msg)) {
            handle(msg);
        } else {
            if (inbound == null) {
                inbound = new ArrayDeque<>(4);
            }
            inbound.add(msg);
            pauseReading();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushBackend();
        if (state == IDLE && !headStarted && codec.hasPartialHead()) {
            // part of a head came: from now on the (shorter) head timeout applies
            headStarted = true;
            headStart = System.nanoTime();
            cancelTimer();
            timer = ctx.executor().schedule(timeoutTask, settings.requestHeadTimeoutNanos, TimeUnit.NANOSECONDS);
        }
        maybeRead();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && backendReadSuspended && backend != null) {
            backendReadSuspended = false;
            backend.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state = CLOSED;
        cancelTimer();
        releaseInbound();
        if (connectFuture != null) {
            ChannelFuture f = connectFuture;
            connectFuture = null;
            f.channel().close();
        }
        if (backend != null) {
            BackendHandler b = backend;
            detachBackend();
            b.close();
        }
        if (lease != null) {
            // the client went away: that tells nothing about the backend
            Lease l = lease;
            lease = null;
            l.release();
        }
        releaseRetries();
        request = null;
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (log.isDebugEnabled()) {
            log.debug("client {}: {}", clientIp, cause.toString());
        }
        ctx.close();
    }

    private boolean canHandle(Object msg) {
        switch (state) {
            case IDLE:
            case DISCARDING:
                return true;
            case STREAMING:
                return msg instanceof HttpContent;
            default:
                return false;
        }
    }

    private void handle(Object msg) {
        switch (state) {
            case IDLE:
                if (msg instanceof HttpRequest) {
                    onRequest((HttpRequest) msg);
                } else {
                    // the rest of a request that was answered already
                    ReferenceCountUtil.release(msg);
                }
                break;
            case STREAMING:
                forwardContent((HttpContent) msg);
                break;
            case DISCARDING:
                ReferenceCountUtil.release(msg);
                if (msg instanceof LastHttpContent) {
                    requestComplete = true;
                    endExchange();
                }
                break;
            default:
                ReferenceCountUtil.release(msg);
        }
    }

    private void drainInbound() {
        if (draining) {
            return;
        }
        draining = true;
        try {
            Object msg;
            while (inbound != null && (msg = inbound.peek()) != null) {
                if (state == CLOSED) {
                    releaseInbound();
                    break;
                }
                if (!canHandle(msg)) {
                    break;
                }
                inbound.poll();
                handle(msg);
            }
        } finally {
            draining = false;
        }
        flushBackend();
    }

    private void releaseInbound() {
        if (inbound != null) {
            Object msg;
            while ((msg = inbound.poll()) != null) {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    /**
     * Reads on while the proxy can take what comes, and stops otherwise. Reading is left on ({@code AUTO_READ}) in the
     * steady state and turned off only when needed: with epoll, each explicit read with {@code AUTO_READ} off costs two
     * {@code epoll_ctl} calls.
     */
    private void maybeRead() {
        if (inbound != null && !inbound.isEmpty()) {
            pauseReading();
            return;
        }
        if (state == STREAMING && (backend == null || !backend.channel().isWritable())) {
            pauseReading();
        } else if (state != CLOSED) {
            resumeReading();
        }
    }

    private void pauseReading() {
        if (autoReading) {
            autoReading = false;
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void resumeReading() {
        if (!autoReading) {
            autoReading = true;
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void flushBackend() {
        if (pendingBackendFlush) {
            pendingBackendFlush = false;
            if (backend != null) {
                writeHeldRequestHead(backend.channel());
                backend.channel().flush();
            }
        }
    }

    private void writeHeldRequestHead(Channel ch) {
        if (requestHeadHeld) {
            requestHeadHeld = false;
            ch.write(request, ch.voidPromise());
        }
    }

    // ---------------------------------------------------------------- a request

    private void onRequest(HttpRequest req) {
        headStarted = false;
        firstRequest = false;
        if (req.decoderResult().isFailure()) {
            HttpResponseStatus status = statusFor(req.decoderResult().cause());
            ReferenceCountUtil.release(req);
            reject(status);
            return;
        }
        int checked = HeaderRules.check(req, settings.maxHeaderCount);
        HttpResponseStatus status = HeaderRules.rejection(checked);
        if (status != null) {
            ReferenceCountUtil.release(req);
            reject(status);
            return;
        }
        HttpHeaders h = req.headers();
        request = req;
        requestComplete = false;
        replayable = true;
        HttpMethod method = req.method();
        idempotent = isIdempotent(method);
        http10 = req.protocolVersion().minorVersion() == 0;
        closeAfterResponse = (checked & HeaderRules.HOP_CONNECTION) != 0
                ? !HttpUtil.isKeepAlive(req)
                : !req.protocolVersion().isKeepAliveDefault();
        bodiless = (checked & HeaderRules.FIELD_TRANSFER_ENCODING) == 0
                ? (checked & HeaderRules.FIELD_CONTENT_LENGTH) == 0 || HttpUtil.getContentLength(req, 0L) == 0L
                : !HttpUtil.isTransferEncodingChunked(req) && HttpUtil.getContentLength(req, 0L) == 0L;
        responseStarted = false;
        interimResponse = false;
        attempt = 0;
        attempts.clear();

        HeaderRules.removeHopByHop(h, checked);
        HeaderRules.setForwarded(h, clientIp, settings.proto, trustedPeer);
        HeaderRules.appendVia(h, http10 ? settings.via10 : settings.via11, checked);
        req.setProtocolVersion(HttpVersion.HTTP_1_1);
        startAttempt();
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
        if (cause instanceof TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        if (cause instanceof TooLongFrameException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        return HttpResponseStatus.BAD_REQUEST;
    }

    private void startAttempt() {
        attempt++;
        Lease l = settings.lb.acquire(this, attempts);
        if (l == null) {
            failExchange(attempts.isEmpty() ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.BAD_GATEWAY);
            return;
        }
        lease = l;
        leaseStart = System.nanoTime();
        BackendPools.Pool pool;
        try {
            pool = settings.pools.pool(l.backend());
        } catch (IllegalArgumentException e) {
            // an address this transport cannot reach: not delivered, try another
            onNotDelivered(l.backend(), "invalid address", false, e, ProxyObserver.Failure.CONNECT);
            return;
        }
        BackendHandler b = pool.poll();
        if (b != null) {
            sendRequest(b);
        } else {
            state = CONNECTING;
            ChannelFuture f = pool.connect(ctx.channel().eventLoop());
            connectFuture = f;
            f.addListener(connectListener);
        }
    }

    private void onConnected(ChannelFuture f) {
        if (f != connectFuture) {
            // stale: the client went away or the exchange ended meanwhile
            if (f.isSuccess()) {
                f.channel().close();
            }
            return;
        }
        connectFuture = null;
        if (!f.isSuccess()) {
            Throwable cause = f.cause();
            boolean timeout = cause instanceof ConnectTimeoutException;
            onNotDelivered(
                    lease.backend(),
                    timeout ? "connect timeout" : "connection refused",
                    !timeout,
                    cause,
                    ProxyObserver.Failure.CONNECT);
            return;
        }
        sendRequest((BackendHandler) f.channel().pipeline().get("backend"));
    }

    /** The request did not reach the backend: report, and fail over whatever the method. */
    private void onNotDelivered(
            Backend b, String reason, boolean backendDown, Throwable cause, ProxyObserver.Failure failure) {
        Lease l = lease;
        lease = null;
        l.onFailure(
                System.nanoTime() - leaseStart, new BackendUnavailableException(b.id(), reason, backendDown, cause));
        settings.observer.onBackendFailure(b, failure);
        attempts.record(b, reason);
        if (log.isDebugEnabled()) {
            log.debug("backend {} did not take {} {}: {}", b.id(), request.method(), request.uri(), reason);
        }
        retryOrFail(b, HttpResponseStatus.BAD_GATEWAY);
    }

    private void retryOrFail(Backend failed, HttpResponseStatus status) {
        if (state == CLOSED) {
            return;
        }
        if (attempt < settings.maxAttempts && settings.lb.tryAcquireRetry()) {
            retriesHeld++;
            settings.observer.onRetry(failed);
            startAttempt();
        } else {
            failExchange(status);
        }
    }

    private void sendRequest(BackendHandler b) {
        backend = b;
        b.attach(this);
        state = STREAMING;
        pendingClientFlush = false;
        backendReadSuspended = false;
        HttpHeaders h = request.headers();
        // HeaderRules.check made sure an HTTP/1.1 request has one
        if (http10 && !h.contains(HttpHeaderNames.HOST)) {
            h.set(HttpHeaderNames.HOST, b.pool().authority);
        }
        Channel ch = b.channel();
        if (requestComplete) {
            // a replay of a body-less request
            ch.write(request, ch.voidPromise());
            ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
            state = AWAITING;
            b.awaitResponse();
        } else {
            requestHeadHeld = true;
            pendingBackendFlush = true;
            drainInbound();
            flushBackend();
        }
        maybeRead();
    }

    private void forwardContent(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            // a malformed body (bad chunk): part of the request may have gone; end everything
            ReferenceCountUtil.release(content);
            abortExchange(HttpResponseStatus.BAD_REQUEST, false);
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (content.content().isReadable()
                || (last && !((LastHttpContent) content).trailingHeaders().isEmpty())) {
            replayable = false;
        }
        Channel ch = backend.channel();
        if (last) {
            requestComplete = true;
            if (requestHeadHeld) {
                requestHeadHeld = false;
                HttpRequest head = request;
                LastHttpContent lastContent = (LastHttpContent) content;
                // takes over the body's buffer; the head object stays as it is, for a replay
                ch.writeAndFlush(
                        new DefaultFullHttpRequest(
                                head.protocolVersion(),
                                head.method(),
                                head.uri(),
                                lastContent.content(),
                                head.headers(),
                                lastContent.trailingHeaders()),
                        ch.voidPromise());
            } else {
                ch.writeAndFlush(content, ch.voidPromise());
            }
            pendingBackendFlush = false;
            state = AWAITING;
            backend.awaitResponse();
        } else {
            writeHeldRequestHead(ch);
            ch.write(content, ch.voidPromise());
            pendingBackendFlush = true;
            if (!ch.isWritable()) {
                pauseReading();
            }
        }
    }

    // ---------------------------------------------------------------- backend side

    void onBackendMessage(BackendHandler b, Object msg) {
        if (b != backend) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpResponse) {
            HttpResponse res = (HttpResponse) msg;
            if (res.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                backendBroke(b, "invalid response: " + res.decoderResult().cause());
                return;
            }
            HttpResponseStatus status = res.status();
            if (status.codeClass() == HttpStatusClass.INFORMATIONAL) {
                if (status.code() == 101) {
                    // Upgrade is never forwarded, so a switch is out of protocol
                    ReferenceCountUtil.release(msg);
                    backendBroke(b, "unexpected 101 response");
                    return;
                }
                interimResponse = true;
                HeaderRules.removeHopByHop(res);
                res.setProtocolVersion(HttpVersion.HTTP_1_1);
                responseStarted = true;
                ctx.write(res, ctx.voidPromise());
                pendingClientFlush = true;
                return;
            }
            prepareResponse(res);
            responseStarted = true;
            pendingClientFlush = true;
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
                backendBroke(
                        b, "invalid response body: " + content.decoderResult().cause());
                return;
            }
            if (content instanceof LastHttpContent) {
                if (interimResponse) {
                    interimResponse = false;
                    ctx.writeAndFlush(content, ctx.voidPromise());
                    pendingClientFlush = false;
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
                pendingClientFlush = false;
                onResponseComplete();
            } else {
                writeHeldHead();
                ctx.write(content, ctx.voidPromise());
                pendingClientFlush = true;
            }
        }
    }

    private void writeHeldHead() {
        HttpResponse head = heldHead;
        if (head != null) {
            heldHead = null;
            ctx.write(head, ctx.voidPromise());
        }
    }

    private void prepareResponse(HttpResponse res) {
        HttpHeaders h = res.headers();
        int fields = HeaderRules.hopByHopFields(h);
        backendKeepAlive = (fields & HeaderRules.HOP_CONNECTION) != 0
                ? HttpUtil.isKeepAlive(res)
                : res.protocolVersion().isKeepAliveDefault();
        HeaderRules.removeHopByHop(h, fields);
        HeaderRules.appendVia(h, settings.via11, fields);
        int code = res.status().code();
        responseStatus = code;
        boolean noBody = HttpMethod.HEAD.equals(request.method()) || code == 204 || code == 304;
        if (!noBody) {
            boolean chunked =
                    (fields & HeaderRules.FIELD_TRANSFER_ENCODING) != 0 && HttpUtil.isTransferEncodingChunked(res);
            boolean length = (fields & HeaderRules.FIELD_CONTENT_LENGTH) != 0;
            if (http10) {
                if (chunked) {
                    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
                    closeAfterResponse = true;
                } else if (!length) {
                    closeAfterResponse = true;
                }
            } else if (!chunked && !length) {
                // delimited by the backend closing: re-frame as chunked so the client connection can stay
                HttpUtil.setTransferEncodingChunked(res, true);
            }
        }
        if (!requestComplete) {
            // answered before the body was all sent: the rest is not read, so this connection ends
            closeAfterResponse = true;
        }
        if (closeAfterResponse) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        res.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    void onBackendReadComplete(BackendHandler b) {
        if (b != backend) {
            return;
        }
        if (pendingClientFlush) {
            pendingClientFlush = false;
            writeHeldHead();
            ctx.flush();
        }
        if (!ctx.channel().isWritable() && !backendReadSuspended) {
            backendReadSuspended = true;
            b.channel().config().setAutoRead(false);
        }
    }

    void onBackendWritable(BackendHandler b) {
        if (b == backend && state == STREAMING) {
            maybeRead();
        }
    }

    private void onResponseComplete() {
        BackendHandler b = backend;
        Lease l = lease;
        lease = null;
        detachBackend();
        long nanos = System.nanoTime() - leaseStart;
        l.onSuccess(nanos);
        settings.observer.onResponse(l.backend(), responseStatus, nanos);
        releaseRetries();
        if (backendKeepAlive && requestComplete) {
            b.pool().release(b);
        } else {
            b.close();
        }
        if (!requestComplete) {
            closeClient();
            return;
        }
        endExchange();
    }

    /** The backend connection closed or failed while this exchange used it. */
    void onBackendFailed(BackendHandler b, Throwable cause) {
        if (b != backend) {
            return;
        }
        backendBroke(b, cause == null ? "connection closed" : cause.toString());
    }

    private void backendBroke(BackendHandler b, String reason) {
        detachBackend();
        b.close();
        Lease l = lease;
        lease = null;
        Backend be = l.backend();
        l.onFailure(System.nanoTime() - leaseStart, new BackendFailureException(be.id(), reason));
        settings.observer.onBackendFailure(be, ProxyObserver.Failure.RESET);
        if (log.isDebugEnabled()) {
            log.debug("backend {} failed {} {}: {}", be.id(), request.method(), request.uri(), reason);
        }
        if (responseStarted) {
            // never let a truncated response look complete
            abortClient();
            return;
        }
        if (idempotent && requestComplete && replayable) {
            attempts.record(be, reason);
            retryOrFail(be, HttpResponseStatus.BAD_GATEWAY);
        } else {
            failExchange(HttpResponseStatus.BAD_GATEWAY);
        }
    }

    void onBackendTimeout(BackendHandler b) {
        if (b != backend) {
            return;
        }
        detachBackend();
        Lease l = lease;
        lease = null;
        Duration timeout = Duration.ofNanos(settings.responseTimeoutNanos);
        l.onFailure(
                System.nanoTime() - leaseStart,
                new BackendTimeoutException(l.backend().id(), timeout));
        settings.observer.onBackendFailure(l.backend(), ProxyObserver.Failure.TIMEOUT);
        log.debug(
                "backend {} did not answer {} {} within {}",
                l.backend().id(),
                request.method(),
                request.uri(),
                timeout);
        if (responseStarted) {
            abortClient();
        } else {
            failExchange(HttpResponseStatus.GATEWAY_TIMEOUT);
        }
    }

    private void detachBackend() {
        if (backend != null) {
            backend.detach();
            backend = null;
        }
        // heads held when the exchange leaves this backend connection are never sent (they own no buffer): the
        // response head's client connection is closed then, and the request is sent whole again on a retry
        heldHead = null;
        requestHeadHeld = false;
        pendingBackendFlush = false;
        backendReadSuspended = false;
    }

    // ---------------------------------------------------------------- ends

    /** Answers with an error status when no backend served the request; no response byte was sent yet. */
    private void failExchange(HttpResponseStatus status) {
        releaseRetries();
        if (backend != null) {
            BackendHandler b = backend;
            detachBackend();
            b.close();
        }
        boolean close = closeAfterResponse || !(requestComplete || bodiless);
        settings.observer.onRejected(status.code());
        ctx.writeAndFlush(ErrorResponses.of(status, close), ctx.voidPromise());
        if (close) {
            closeClient();
        } else if (requestComplete) {
            endExchange();
        } else {
            state = DISCARDING;
            drainInbound();
            maybeRead();
        }
    }

    /** A malformed or unacceptable request: answered and the connection closed; nothing of it reached a backend. */
    private void reject(HttpResponseStatus status) {
        settings.observer.onRejected(status.code());
        ctx.writeAndFlush(ErrorResponses.of(status, true), ctx.voidPromise());
        closeClient();
    }

    /** The exchange went wrong halfway: everything of it ends. */
    private void abortExchange(HttpResponseStatus status, boolean backendsFault) {
        BackendHandler b = backend;
        detachBackend();
        if (b != null) {
            b.close();
        }
        if (lease != null) {
            Lease l = lease;
            lease = null;
            if (backendsFault) {
                l.onFailure(
                        System.nanoTime() - leaseStart,
                        new BackendFailureException(l.backend().id(), "aborted"));
                settings.observer.onBackendFailure(l.backend(), ProxyObserver.Failure.RESET);
            } else {
                l.release();
            }
        }
        releaseRetries();
        if (responseStarted) {
            abortClient();
        } else {
            reject(status);
        }
    }

    private void endExchange() {
        request = null;
        if (closeAfterResponse) {
            closeClient();
            return;
        }
        enterIdle();
        drainInbound();
        maybeRead();
    }

    /** Closes after what was written is flushed. */
    private void closeClient() {
        state = CLOSED;
        releaseInbound();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** Closes at once, dropping what was not flushed: the client must see the response is incomplete. */
    private void abortClient() {
        state = CLOSED;
        releaseInbound();
        ctx.close();
    }

    private void releaseRetries() {
        while (retriesHeld > 0) {
            retriesHeld--;
            settings.lb.releaseRetry();
        }
    }

    // ---------------------------------------------------------------- timeouts while idle

    private void enterIdle() {
        state = IDLE;
        idleSince = System.nanoTime();
        headStarted = false;
        if (timer == null) {
            timer = ctx.executor().schedule(timeoutTask, idleLimit(), TimeUnit.NANOSECONDS);
        }
    }

    private long idleLimit() {
        return firstRequest ? settings.requestHeadTimeoutNanos : settings.idleTimeoutNanos;
    }

    private void onTimer() {
        timer = null;
        if (state != IDLE) {
            return; // re-armed when the exchange ends
        }
        long now = System.nanoTime();
        long deadline = idleSince + idleLimit();
        if (headStarted) {
            deadline = Math.min(deadline, headStart + settings.requestHeadTimeoutNanos);
        }
        if (now - deadline >= 0) {
            if (headStarted) {
                // a slow client: part of a head arrived, not all of it
                settings.observer.onRejected(HttpResponseStatus.REQUEST_TIMEOUT.code());
                ctx.writeAndFlush(ErrorResponses.of(HttpResponseStatus.REQUEST_TIMEOUT, true), ctx.voidPromise());
                closeClient();
            } else {
                abortClient();
            }
        } else {
            timer = ctx.executor().schedule(timeoutTask, deadline - now, TimeUnit.NANOSECONDS);
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
