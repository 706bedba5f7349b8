package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Error;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/2 front end against hostile clients on real sockets, written frame by frame: an HPACK bomb, a PING flood and
 * a SETTINGS flood each close the attacker's connection (the bomb with a GOAWAY the attacker reads; a flood's GOAWAY
 * waits behind the acks its sender does not read, and is checked in {@code Http2FrontendTest}), while another HTTP/2
 * connection opened before keeps being served. Under the PARANOID leak detector, as every test of the module.
 */
class Http2DefencesIT {

    /**
     * A flood's bounds. The proxy closes the connection once 1000 acks wait behind a full socket send buffer, which
     * Linux grows to 4 MB (tcp_wmem): about 250,000 PINGs or 470,000 SETTINGS processed, 10-25 s under the PARANOID
     * leak detector; the attacker has written more by then, into the kernel's buffers.
     */
    static final int MAX_FRAMES = 4_000_000;

    static final long MAX_MILLIS = 90_000;

    TestBackend backend;
    ProxyFixture fx;
    H2Client bystander;

    @BeforeEach
    void start() throws Exception {
        backend = TestBackend.start("b1");
        fx = new ProxyFixture(List.of(backend.address()), c -> c.http2(true));
        bystander = new H2Client(fx.address());
        assertThat(bystander.send("/").get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
    }

    @AfterEach
    void stop() throws Exception {
        bystander.close();
        fx.close();
        backend.close();
    }

    private void bystanderStillServed() throws Exception {
        assertThat(bystander.channel.isActive()).isTrue();
        assertThat(bystander.goAway.get()).isNull();
        assertThat(bystander.send("/").get(10, TimeUnit.SECONDS)).isEqualTo(new H2Client.Reply(200, "b1"));
    }

    @Test
    void hpackBomb_pastTheHeaderListSize_goAway_otherConnectionServed() throws Exception {
        // 6 KB on the wire that would decode to 2000 x 4 KB = 8 MB of header fields, against 16 KiB allowed
        byte[] block = RawH2.hpackBomb(4000, 2000);
        assertThat(block.length).isLessThan(16_384);
        try (RawH2 attacker = new RawH2(fx.address(), 65536)) {
            attacker.write(RawH2.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1, block));
            RawH2.Frame goAway = attacker.readToEnd(100);
            assertThat(goAway).as("GOAWAY before the close").isNotNull();
            assertThat(goAway.goAwayError()).isEqualTo((int) Http2Error.ENHANCE_YOUR_CALM.code());
        }
        bystanderStillServed();
    }

    @Test
    void pingFlood_fromAClientThatDoesNotRead_closed_otherConnectionServed() throws Exception {
        try (RawH2 attacker = new RawH2(fx.address(), 4096)) {
            int sent = attacker.flood(RawH2.ping(42), MAX_FRAMES, MAX_MILLIS);
            assertThat(sent).as("stopped by the proxy closing the connection").isLessThan(MAX_FRAMES);
            // the connection ends; its GOAWAY, queued behind the acks the attacker never read, is checked in
            // Http2FrontendTest, where what the proxy writes can be seen
            attacker.readToEnd(MAX_FRAMES);
        }
        bystanderStillServed();
    }

    @Test
    void settingsFlood_fromAClientThatDoesNotRead_closed_otherConnectionServed() throws Exception {
        try (RawH2 attacker = new RawH2(fx.address(), 4096)) {
            int sent = attacker.flood(RawH2.frame(RawH2.SETTINGS, 0, 0, new byte[0]), MAX_FRAMES, MAX_MILLIS);
            assertThat(sent).as("stopped by the proxy closing the connection").isLessThan(MAX_FRAMES);
            attacker.readToEnd(MAX_FRAMES);
        }
        bystanderStillServed();
    }
}
