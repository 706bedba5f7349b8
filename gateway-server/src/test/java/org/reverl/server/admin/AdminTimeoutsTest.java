package org.reverl.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The admin port's client timers, stepped through on an embedded channel's clock: no waiting. */
class AdminTimeoutsTest {

    private static final long REQUEST = TimeUnit.SECONDS.toNanos(10);
    private static final long IDLE = TimeUnit.SECONDS.toNanos(60);

    /** Stands in for the API: tells the timers a request arrived, and can say the response went out. */
    private static final class Server extends ChannelInboundHandlerAdapter {
        ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    private static EmbeddedChannel channel(Server server) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new AdminTimeouts(REQUEST, IDLE), server);
        return ch;
    }

    private static void bytes(EmbeddedChannel ch, String s) {
        ch.writeInbound(Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII));
    }

    @Test
    void idleConnection_closedAfterTheIdleTimeout() {
        EmbeddedChannel ch = channel(new Server());
        ch.advanceTimeBy(IDLE - 1, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(1, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void slowRequest_closedAfterTheRequestTimeout_evenWhileBytesTrickleIn() {
        EmbeddedChannel ch = channel(new Server());
        bytes(ch, "GET / HTTP/1.1\r\n");
        for (int i = 0; i < 9; i++) { // one header line a second: each read is progress, but not a whole request
            ch.advanceTimeBy(1, TimeUnit.SECONDS);
            ch.runScheduledPendingTasks();
            bytes(ch, "X-Slow-" + i + ": 1\r\n");
        }
        assertThat(ch.isOpen()).isTrue();
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void requestBeingAnswered_noTimer_thenIdleAgainAfterTheResponse() {
        Server server = new Server();
        EmbeddedChannel ch = channel(server);
        bytes(ch, "GET / HTTP/1.1\r\n\r\n");
        AdminTimeouts.requestReceived(server.ctx);
        ch.advanceTimeBy(2 * IDLE, TimeUnit.NANOSECONDS); // a slow reload: the server's own time
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();

        AdminTimeouts.responseSent(server.ctx);
        ch.advanceTimeBy(IDLE - 1, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        bytes(ch, "GET /healthz HTTP/1.1\r\n"); // the next request starts: the request timer, not the idle one
        ch.advanceTimeBy(REQUEST, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isFalse();
    }
}
