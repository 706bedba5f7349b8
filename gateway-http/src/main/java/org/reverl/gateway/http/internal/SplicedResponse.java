package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ReferenceCounted;
import java.nio.charset.StandardCharsets;

/**
 * A whole backend response already in the bytes the client gets: the status line, the backend's fields without the
 * hop-by-hop ones, {@code Via}, the empty line, and the body. Made by {@link ResponseSplicer} instead of a decoded
 * head and body when the response can be framed without them; the client's encoder passes its {@link #content()} on
 * as it is.
 *
 * <p>One per {@link ResponseSplicer}, filled again for each response, so that a spliced exchange allocates nothing
 * but its buffer: it is handed up the backend connection's pipeline and taken before the decoder runs again (the
 * relay writes its content to the client, or releases it, in the same call). Nothing keeps it. Its reference count is
 * its content's.
 */
final class SplicedResponse implements ReferenceCounted {

    private static final byte[] CONNECTION_CLOSE = "connection: close\r\n".getBytes(StandardCharsets.US_ASCII);

    private ByteBuf content;
    private int status;
    private boolean backendKeepAlive;
    /** Where the empty line that ends the head starts, in {@link #content()}. */
    private int headEnd;

    private int bodyLength;

    /** Makes this the response in {@code bytes}, which it owns from now on. */
    SplicedResponse set(ByteBuf bytes, int status, boolean backendKeepAlive, int headEnd, int bodyLength) {
        this.content = bytes;
        this.status = status;
        this.backendKeepAlive = backendKeepAlive;
        this.headEnd = headEnd;
        this.bodyLength = bodyLength;
        return this;
    }

    /** The response's bytes. */
    ByteBuf content() {
        return content;
    }

    int status() {
        return status;
    }

    /** Whether the backend keeps its connection open after this response. */
    boolean backendKeepAlive() {
        return backendKeepAlive;
    }

    /** The length of the body (its {@code Content-Length}). */
    int bodyLength() {
        return bodyLength;
    }

    /**
     * Tells the client that its connection ends after this response: {@code Connection: close} is added last among the
     * fields, where a decoded head would have it. The bytes are written anew, and the old ones released.
     */
    SplicedResponse withConnectionClose(ByteBufAllocator alloc) {
        ByteBuf old = content;
        ByteBuf bytes = alloc.buffer(old.readableBytes() + CONNECTION_CLOSE.length);
        int start = old.readerIndex();
        bytes.writeBytes(old, start, headEnd)
                .writeBytes(CONNECTION_CLOSE)
                .writeBytes(old, start + headEnd, old.readableBytes() - headEnd);
        old.release();
        return set(bytes, status, backendKeepAlive, headEnd + CONNECTION_CLOSE.length, bodyLength);
    }

    @Override
    public int refCnt() {
        return content.refCnt();
    }

    @Override
    public SplicedResponse retain() {
        content.retain();
        return this;
    }

    @Override
    public SplicedResponse retain(int increment) {
        content.retain(increment);
        return this;
    }

    @Override
    public SplicedResponse touch() {
        content.touch();
        return this;
    }

    @Override
    public SplicedResponse touch(Object hint) {
        content.touch(hint);
        return this;
    }

    @Override
    public boolean release() {
        return content.release();
    }

    @Override
    public boolean release(int decrement) {
        return content.release(decrement);
    }

    @Override
    public String toString() {
        return "SplicedResponse(" + status + ", " + content.readableBytes() + " bytes)";
    }
}
