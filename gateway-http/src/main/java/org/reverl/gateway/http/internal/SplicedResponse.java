package org.reverl.gateway.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.DefaultByteBufHolder;
import java.nio.charset.StandardCharsets;

/**
 * A whole backend response already in the bytes the client gets: the status line, the backend's fields without the
 * hop-by-hop ones, {@code Via}, the empty line, and the body. Made by {@link ResponseSplicer} instead of a decoded
 * head and body when the response can be framed without them; the client's encoder passes it on as it is. Owns its
 * buffer.
 */
final class SplicedResponse extends DefaultByteBufHolder {

    private static final byte[] CONNECTION_CLOSE = "connection: close\r\n".getBytes(StandardCharsets.US_ASCII);

    private final int status;
    private final boolean backendKeepAlive;
    /** Where the empty line that ends the head starts, in {@link #content()}. */
    private final int headEnd;

    private final int bodyLength;

    SplicedResponse(ByteBuf bytes, int status, boolean backendKeepAlive, int headEnd, int bodyLength) {
        super(bytes);
        this.status = status;
        this.backendKeepAlive = backendKeepAlive;
        this.headEnd = headEnd;
        this.bodyLength = bodyLength;
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
     * The same response telling the client that its connection ends after it: {@code Connection: close} is added last
     * among the fields, where a decoded head would have it. Releases this one.
     */
    SplicedResponse withConnectionClose(ByteBufAllocator alloc) {
        ByteBuf old = content();
        ByteBuf bytes = alloc.buffer(old.readableBytes() + CONNECTION_CLOSE.length);
        int start = old.readerIndex();
        bytes.writeBytes(old, start, headEnd)
                .writeBytes(CONNECTION_CLOSE)
                .writeBytes(old, start + headEnd, old.readableBytes() - headEnd);
        release();
        return new SplicedResponse(bytes, status, backendKeepAlive, headEnd + CONNECTION_CLOSE.length, bodyLength);
    }

    @Override
    public String toString() {
        return "SplicedResponse(" + status + ", " + content().readableBytes() + " bytes)";
    }
}
