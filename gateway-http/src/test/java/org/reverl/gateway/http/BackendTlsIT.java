package org.reverl.gateway.http;

import static java.time.temporal.ChronoUnit.DAYS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.reverl.gateway.api.BackendEvent;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.api.BackendTlsOptions;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.LoadBalancers;
import org.reverl.gateway.testing.Dnsmasq;

/**
 * {@code https://} backends: certificates from a test CA, verified by name; refused with the reason otherwise. Names
 * resolve through a real dnsmasq ({@code .ci/run} installs it).
 */
class BackendTlsIT {

    @TempDir
    static Path dir;

    /** A name a real dnsmasq on 127.0.0.1 gives 127.0.0.1: SNI is sent for a dotted host name only. */
    static final String HOST = "web.reverl.test";

    static final String HOST_URL = "https://" + HOST + ":";

    static Dnsmasq dns;
    static X509Bundle ca;
    static Path caPem;
    static X509Bundle client;
    static Path clientCert;
    static Path clientKey;

    @BeforeAll
    static void certificates() throws Exception {
        dns = Dnsmasq.start(Files.createDirectories(dir.resolve("dns")), 60, List.of(), List.of("127.0.0.1 " + HOST));
        ca = new CertificateBuilder()
                .subject("CN=Reverl Test CA")
                .setIsCertificateAuthority(true)
                .notBefore(Instant.now().minus(10, DAYS))
                .notAfter(Instant.now().plus(10, DAYS))
                .buildSelfSigned();
        caPem = Files.writeString(dir.resolve("ca.pem"), ca.getCertificatePEM());
        client = new CertificateBuilder()
                .subject("CN=reverl")
                .addExtendedKeyUsageClientAuth()
                .notBefore(Instant.now().minus(1, DAYS))
                .notAfter(Instant.now().plus(1, DAYS))
                .buildIssuedBy(ca);
        clientCert = Files.writeString(dir.resolve("client.pem"), client.getCertificatePEM());
        clientKey = Files.writeString(dir.resolve("client-key.pem"), client.getPrivateKeyPEM());
    }

    @AfterAll
    static void stopDns() {
        dns.close();
    }

    static X509Bundle serverCert(String dnsName, Instant notBefore, Instant notAfter) throws Exception {
        return new CertificateBuilder()
                .subject("CN=" + dnsName)
                .addSanDnsName(dnsName)
                .addExtendedKeyUsageServerAuth()
                .notBefore(notBefore)
                .notAfter(notAfter)
                .buildIssuedBy(ca);
    }

    static X509Bundle valid(String dnsName) throws Exception {
        return serverCert(dnsName, Instant.now().minus(1, DAYS), Instant.now().plus(1, DAYS));
    }

    /** An HTTPS backend on Netty that answers {@code tls ok} and records the SNI it was sent. */
    static final class TlsBackend implements AutoCloseable {
        final List<String> sni = new CopyOnWriteArrayList<>();
        /** Connections accepted. */
        final AtomicInteger connections = new AtomicInteger();
        /**
         * The creation times of the sessions handshakes ended with: a resumed session is the earlier one again, with
         * its creation time, so their number is the number of full handshakes. (Which key managers are asked differs
         * between JDKs: JDK 25's server consults it on resumption too.)
         */
        final java.util.Set<Long> sessions = java.util.concurrent.ConcurrentHashMap.newKeySet();

        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final Channel server;

        TlsBackend(X509Bundle cert, boolean requireClientCert) throws Exception {
            SslContextBuilder b = SslContextBuilder.forServer(cert.getKeyPair().getPrivate(), cert.getCertificatePath())
                    .sslProvider(SslProvider.JDK);
            if (requireClientCert) {
                b.clientAuth(ClientAuth.REQUIRE).trustManager(ca.getCertificate());
            }
            SslContext ctx = b.build();
            server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            connections.incrementAndGet();
                            ch.pipeline()
                                    .addLast(new SniHandler(host -> {
                                        sni.add(String.valueOf(host));
                                        return ctx;
                                    }))
                                    .addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                            if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent e
                                                    && e.isSuccess()) {
                                                sessions.add(ctx.pipeline()
                                                        .get(io.netty.handler.ssl.SslHandler.class)
                                                        .engine()
                                                        .getSession()
                                                        .getCreationTime());
                                            }
                                            ctx.fireUserEventTriggered(evt);
                                        }
                                    })
                                    .addLast(new HttpServerCodec())
                                    .addLast(new HttpObjectAggregator(1024))
                                    .addLast(new SimpleChannelInboundHandler<FullHttpRequest>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                            byte[] body = "tls ok\n".getBytes(StandardCharsets.UTF_8);
                                            DefaultFullHttpResponse res = new DefaultFullHttpResponse(
                                                    HttpVersion.HTTP_1_1,
                                                    HttpResponseStatus.OK,
                                                    Unpooled.wrappedBuffer(body));
                                            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                                            if (req.uri().equals("/close")) {
                                                res.headers().set(HttpHeaderNames.CONNECTION, "close");
                                                ctx.writeAndFlush(res)
                                                        .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                                            } else {
                                                ctx.writeAndFlush(res);
                                            }
                                        }
                                    });
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0))
                    .syncUninterruptibly()
                    .channel();
        }

        int port() {
            return ((InetSocketAddress) server.localAddress()).getPort();
        }

        @Override
        public void close() {
            server.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS)
                    .syncUninterruptibly();
        }
    }

    /** A proxy over one backend at {@code address}, with the events of the engine. */
    static final class Proxy implements AutoCloseable {
        final List<BackendEvent> events = new CopyOnWriteArrayList<>();
        final LoadBalancer lb;
        final HttpProxyServer server;

        Proxy(String address, UnaryOperator<HttpProxyConfig.Builder> config) {
            this(BackendSpec.of("b1", address), config);
        }

        Proxy(BackendSpec backend, UnaryOperator<HttpProxyConfig.Builder> config) {
            lb = LoadBalancers.builder().backend(backend).listener(events::add).build();
            server = HttpProxyServer.start(
                    lb,
                    config.apply(HttpProxyConfig.builder()
                                    .listen("127.0.0.1", 0)
                                    .ioThreads(1)
                                    .dnsServers(List.of(dns.address())))
                            .build());
        }

        HttpResponse<String> get(String path) throws Exception {
            return HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                            + server.localAddress().getPort() + path))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
        }

        String reasons() {
            StringBuilder sb = new StringBuilder();
            for (BackendEvent e : events) {
                sb.append(e.reason()).append('\n');
            }
            return sb.toString();
        }

        @Override
        public void close() {
            server.close();
            lb.close();
        }
    }

    @Test
    void certificateFromTheConfiguredCa_verified_hostSentAsSni() throws Exception {
        try (TlsBackend backend = new TlsBackend(valid(HOST), false);
                Proxy proxy = new Proxy(
                        HOST_URL + backend.port(),
                        b -> b.backendTls(BackendTlsSettings.defaults().withCaBundle(caPem)))) {
            HttpResponse<String> r = proxy.get("/");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("tls ok\n");
            assertThat(backend.sni).containsExactly(HOST);
        }
    }

    @Test
    void certificateForAnotherName_refused_withTheReason() throws Exception {
        try (TlsBackend backend = new TlsBackend(valid("other.example"), false);
                Proxy proxy = new Proxy(
                        HOST_URL + backend.port(),
                        b -> b.backendTls(BackendTlsSettings.defaults().withCaBundle(caPem)))) {
            assertThat(proxy.get("/").statusCode()).isEqualTo(502);
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(proxy.reasons())
                            .contains("TLS handshake failed: certificate does not match " + HOST + ""));
        }
    }

    @Test
    void expiredCertificate_refused_withTheReason() throws Exception {
        X509Bundle expired =
                serverCert(HOST, Instant.now().minus(5, DAYS), Instant.now().minus(1, DAYS));
        try (TlsBackend backend = new TlsBackend(expired, false);
                Proxy proxy = new Proxy(
                        HOST_URL + backend.port(),
                        b -> b.backendTls(BackendTlsSettings.defaults().withCaBundle(caPem)))) {
            assertThat(proxy.get("/").statusCode()).isEqualTo(502);
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(
                            () -> assertThat(proxy.reasons()).contains("TLS handshake failed: certificate expired"));
        }
    }

    @Test
    void testCa_notInTheSystemTrustStore_refusedByDefault() throws Exception {
        try (TlsBackend backend = new TlsBackend(valid(HOST), false);
                Proxy proxy = new Proxy(HOST_URL + backend.port(), UnaryOperator.identity())) {
            assertThat(proxy.get("/").statusCode()).isEqualTo(502);
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() ->
                            assertThat(proxy.reasons()).contains("TLS handshake failed: certificate not trusted"));
        }
    }

    @Test
    void insecure_acceptsAnyCertificate() throws Exception {
        try (TlsBackend backend = new TlsBackend(valid("other.example"), false);
                Proxy proxy = new Proxy(
                        HOST_URL + backend.port(),
                        b -> b.backendTls(BackendTlsSettings.defaults().insecure()))) {
            assertThat(proxy.get("/").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void backendRequiringAClientCertificate_getsTheConfiguredOne() throws Exception {
        try (TlsBackend backend = new TlsBackend(valid(HOST), true)) {
            try (Proxy proxy = new Proxy(
                    HOST_URL + backend.port(),
                    b -> b.backendTls(BackendTlsSettings.defaults()
                            .withCaBundle(caPem)
                            .withClientCertificate(clientCert, clientKey)))) {
                assertThat(proxy.get("/").statusCode()).isEqualTo(200);
            }
            try (Proxy proxy = new Proxy(
                    HOST_URL + backend.port(),
                    b -> b.backendTls(BackendTlsSettings.defaults().withCaBundle(caPem)))) {
                assertThat(proxy.get("/").statusCode())
                        .as("no client certificate")
                        .isEqualTo(502);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = TlsSettings.Provider.class,
            names = {"JDK", "OPENSSL"})
    void secondPooledConnection_resumesTheSession(TlsSettings.Provider provider) throws Exception {
        try (TlsBackend backend = new TlsBackend(valid(HOST), false);
                Proxy proxy = new Proxy(
                        HOST_URL + backend.port(),
                        b -> b.backendTls(BackendTlsSettings.defaults()
                                .withCaBundle(caPem)
                                .withProvider(provider)))) {
            assertThat(proxy.get("/close").statusCode()).isEqualTo(200); // the backend closes this connection
            assertThat(proxy.get("/").statusCode()).isEqualTo(200);
            assertThat(backend.connections).as("connections").hasValue(2);
            assertThat(backend.sessions)
                    .as("sessions created by full handshakes")
                    .hasSize(1);
        }
    }

    @Test
    void reconfigure_sameBackendTls_keepsTheSessionsToResume() throws Exception {
        try (TlsBackend backend = new TlsBackend(valid(HOST), false);
                Proxy proxy = new Proxy(
                        HOST_URL + backend.port(),
                        b -> b.backendTls(BackendTlsSettings.defaults().withCaBundle(caPem)))) {
            assertThat(proxy.get("/close").statusCode()).isEqualTo(200);
            proxy.server.reconfigure(proxy.server.config().toBuilder()
                    .backendTls(BackendTlsSettings.defaults().withCaBundle(caPem))
                    .responseTimeout(Duration.ofSeconds(20))
                    .build());
            assertThat(proxy.get("/").statusCode()).isEqualTo(200);
            assertThat(backend.connections).as("connections").hasValue(2);
            assertThat(backend.sessions)
                    .as("sessions created by full handshakes")
                    .hasSize(1);
        }
    }

    @Test
    void reconfigure_caBundleReplacedOnDisk_readAgain() throws Exception {
        Path bundle = Files.writeString(dir.resolve("rotating-ca.pem"), ca.getCertificatePEM());
        X509Bundle otherCa = new CertificateBuilder()
                .subject("CN=Another CA")
                .setIsCertificateAuthority(true)
                .notBefore(Instant.now().minus(1, DAYS))
                .notAfter(Instant.now().plus(1, DAYS))
                .buildSelfSigned();
        try (TlsBackend backend = new TlsBackend(valid(HOST), false);
                Proxy proxy = new Proxy(
                        HOST_URL + backend.port(),
                        b -> b.backendTls(BackendTlsSettings.defaults().withCaBundle(bundle)))) {
            assertThat(proxy.get("/close").statusCode()).isEqualTo(200); // no connection kept
            Files.writeString(bundle, otherCa.getCertificatePEM());
            Files.setLastModifiedTime(
                    bundle, java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(5)));
            proxy.server.reconfigure(proxy.server.config().toBuilder()
                    .backendTls(BackendTlsSettings.defaults().withCaBundle(bundle))
                    .build());
            assertThat(proxy.get("/").statusCode())
                    .as("the backend's CA no longer trusted")
                    .isEqualTo(502);
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() ->
                            assertThat(proxy.reasons()).contains("TLS handshake failed: certificate not trusted"));
        }
    }

    @Test
    void verificationOff_forOneBackendOnly_byItsTags() throws Exception {
        try (TlsBackend backend = new TlsBackend(valid("other.example"), false)) {
            BackendSpec unverified = new BackendSpec(
                    "b1",
                    HOST_URL + backend.port(),
                    1,
                    BackendTlsOptions.none().withVerify(false).tags());
            try (Proxy proxy = new Proxy(unverified, UnaryOperator.identity())) {
                assertThat(proxy.get("/").statusCode()).isEqualTo(200);
            }
            // the proxy's settings still verify every other backend
            try (Proxy proxy = new Proxy(HOST_URL + backend.port(), UnaryOperator.identity())) {
                assertThat(proxy.get("/").statusCode()).isEqualTo(502);
            }
            // and a backend can turn verification on again where the proxy turned it off
            BackendSpec verified =
                    new BackendSpec("b1", HOST_URL + backend.port(), 1, Map.of(BackendTlsOptions.VERIFY, "true"));
            try (Proxy proxy = new Proxy(
                    verified, b -> b.backendTls(BackendTlsSettings.defaults().insecure()))) {
                assertThat(proxy.get("/").statusCode()).isEqualTo(502);
            }
        }
    }

    @Test
    void caAndServerName_ofOneBackend_byItsTags() throws Exception {
        try (TlsBackend backend = new TlsBackend(valid("api.internal.test"), false)) {
            BackendSpec spec = new BackendSpec(
                    "b1",
                    "https://127.0.0.1:" + backend.port(),
                    1,
                    BackendTlsOptions.none()
                            .withCaBundle(caPem)
                            .withServerName("api.internal.test")
                            .tags());
            try (Proxy proxy = new Proxy(spec, UnaryOperator.identity())) {
                HttpResponse<String> r = proxy.get("/");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(backend.sni).containsExactly("api.internal.test");
            }
        }
    }

    @Test
    void backendTlsOptions_badTags_refusedWithTheTagAndTheValue() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> BackendTlsOptions.fromTags(Map.of(BackendTlsOptions.VERIFY, "no")))
                .hasMessage("tls.verify: 'no' (expected: true or false)");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> BackendTlsOptions.fromTags(Map.of("tls.verfy", "false")))
                .hasMessage("tag: 'tls.verfy' (expected: one of tls.verify, tls.ca, tls.serverName)");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> BackendTlsOptions.fromTags(Map.of(BackendTlsOptions.SERVER_NAME, "a b")))
                .hasMessage("tls.serverName: 'a b' (expected: a DNS name or an IP literal)");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BackendTlsOptions.fromTags(
                        Map.of(BackendTlsOptions.CA, dir.resolve("missing.pem").toString())))
                .hasMessageStartingWith("tls.ca: '")
                .hasMessageEndingWith("missing.pem' (expected: a readable PEM file)");
        assertThat(BackendTlsOptions.fromTags(Map.of("zone", "eu-1"))).isEqualTo(BackendTlsOptions.none());
    }
}
