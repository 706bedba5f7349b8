package org.reverl.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.server.config.ConfigLoader;
import org.reverl.server.config.ReverlConfig;

/**
 * Several certificates of one listener from the configuration file ({@code listeners[].tls.sni}), chosen by the name
 * the client asks for, and read again from disk at a reload.
 */
class SniCertificatesIT {

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    @Test
    void sniFromConfig_choosesCertificate_andReloadReadsReplacedFile_openConnectionKeepsWorking() throws Exception {
        DemoBackends demo = DemoBackends.start(1);
        toClose.add(demo);
        BigInteger main = writePem("main");
        BigInteger api = writePem("api");
        BigInteger wild = writePem("wild");
        Path file = dir.resolve("reverl.yaml");
        Files.writeString(
                file, """
                listeners:
                  - address: 127.0.0.1:0
                    tls:
                      cert: main.crt
                      key: main.key
                      provider: jdk
                      sni:
                        - { names: [api.example.test], cert: api.crt, key: api.key }
                        - { names: ["*.example.test", www.other.test], cert: wild.crt, key: wild.key }
                admin: { enabled: false }
                backends:
                """ + "  - { id: demo-1, address: \"" + demo.endpoints().get(0)[1] + "\" }\n");
        ReverlConfig config = new ConfigLoader(ProviderRegistry.load()).load(file);
        ReverlServer server = ServerLauncher.start(config, file);
        toClose.add(server);
        int port = server.listenAddresses().get(0).getPort();

        assertThat(serial(port, "api.example.test")).isEqualTo(api);
        assertThat(serial(port, "a.example.test")).isEqualTo(wild);
        assertThat(serial(port, "www.other.test")).isEqualTo(wild);
        assertThat(serial(port, "a.b.example.test")).isEqualTo(main);
        assertThat(serial(port, null)).isEqualTo(main);

        SSLSocket open = connect(port, "api.example.test");
        BigInteger api2 = writePem("api"); // replaced on disk, same path
        ServerControl.ReloadResult r = server.reload();

        assertThat(r.changes()).anyMatch(c -> c.endsWith(": new settings for new connections"));
        assertThat(api2).isNotEqualTo(api);
        assertThat(serial(port, "api.example.test")).isEqualTo(api2);
        assertThat(serial(port, "a.example.test")).isEqualTo(wild);
        // the connection opened before the reload still works, with the certificate it got
        open.getOutputStream()
                .write("GET / HTTP/1.1\r\nHost: api.example.test\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
        String reply = new String(open.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(reply).startsWith("HTTP/1.1 200").contains("Hello from demo-1");
        assertThat(((X509Certificate) open.getSession().getPeerCertificates()[0]).getSerialNumber())
                .isEqualTo(api);
        open.close();
    }

    /** Writes {@code name.crt} and {@code name.key}, a fresh certificate; returns its serial number. */
    private BigInteger writePem(String name) throws Exception {
        SelfSignedCertificates.Generated g = SelfSignedCertificates.generate("localhost");
        g.writeCertificatePem(dir.resolve(name + ".crt"));
        String b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(g.key().getEncoded());
        Files.writeString(
                dir.resolve(name + ".key"), "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n");
        return g.certificate().getSerialNumber();
    }

    private static BigInteger serial(int port, String sni) throws Exception {
        try (SSLSocket s = connect(port, sni)) {
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    /** A TLS connection asking for {@code sni} ({@code null}: no name); trusts any certificate (the test checks serials). */
    private static SSLSocket connect(int port, String sni) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }
}
