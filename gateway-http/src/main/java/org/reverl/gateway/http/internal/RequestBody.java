package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The part of a request body received and not sent yet: all of it for a buffered body (which is kept until the
 * exchange ends, so that it can be sent again), or what arrived before a streamed body's backend connection was ready.
 * Holds one buffer when the body came in one piece (the common case: no copy, no composite), a composite of the pieces
 * otherwise. One per connection, reused by each request; confined to its event loop.
 */
final class RequestBody {

    private ByteBuf content;
    private HttpHeaders trailers = EmptyHttpHeaders.INSTANCE;
    private long received;

    /** Bytes of the current request's body received so far, sent or not. */
    long received() {
        return received;
    }

    /** Whether body bytes or trailers are held. */
    boolean isHeld() {
        return content != null || !trailers.isEmpty();
    }

    /** Counts a piece of the body without keeping it (it is streamed on at once). */
    void count(HttpContent piece) {
        received += piece.content().readableBytes();
    }

    /** Keeps a piece of the body; takes over its buffer. */
    void add(HttpContent piece, ByteBufAllocator alloc) {
        ByteBuf buf = piece.content();
        received += buf.readableBytes();
        if (piece instanceof LastHttpContent) {
            trailers = ((LastHttpContent) piece).trailingHeaders();
        }
        if (!buf.isReadable()) {
            buf.release();
        } else if (content == null) {
            content = buf;
        } else if (content instanceof CompositeByteBuf) {
            ((CompositeByteBuf) content).addComponent(true, buf);
        } else {
            content = alloc.compositeBuffer(16).addComponent(true, content).addComponent(true, buf);
        }
    }

    /** The body held, for a request sent whole: a new reference; what is held stays for a retry. */
    ByteBuf retainedContent() {
        return content == null ? Unpooled.EMPTY_BUFFER : content.retainedDuplicate();
    }

    /** The trailer fields of a body received whole; empty if none. */
    HttpHeaders trailers() {
        return trailers;
    }

    /** Hands over what is held, for a streamed body whose first bytes wait no more; nothing is held afterwards. */
    HttpContent takeForStreaming() {
        ByteBuf c = content;
        content = null;
        return new DefaultHttpContent(c == null ? Unpooled.EMPTY_BUFFER : c);
    }

    /** Drops what is held and starts over for the next request. */
    void clear() {
        if (content != null) {
            content.release();
            content = null;
        }
        trailers = EmptyHttpHeaders.INSTANCE;
        received = 0;
    }
}
