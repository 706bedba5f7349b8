package org.reverl.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reverl.gateway.api.BackendSpec;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.gateway.http.HttpProxyConfig;

class ConfigLoaderTest {

    private final ConfigLoader loader = new ConfigLoader(ProviderRegistry.load());

    @TempDir
    Path dir;

    private ReverlConfig parse(String yaml) throws ConfigException {
        return loader.parse(yaml, "reverl.yaml", dir);
    }

    @Test
    void parse_fullConfig_everySectionApplied() throws Exception {
        Files.writeString(dir.resolve("cert.pem"), "x");
        Files.writeString(dir.resolve("key.pem"), "x");
        ReverlConfig c = parse("""
                listeners:
                  - address: 127.0.0.1:8080
                  - address: 127.0.0.1:8443
                    tls: { cert: cert.pem, key: key.pem, provider: jdk }
                backends:
                  - { id: web-1, address: 127.0.0.1:9001, weight: 3 }
                  - { id: web-2, address: "[::1]:9002" }
                strategy: { name: weighted_round_robin, options: { start: random } }
                health: { probe: tcp, interval: 2s, downInterval: 100ms, fastInterval: 20ms, timeout: 500ms, rise: 2, fall: 3, slowStart: 30s, panicThreshold: 50 }
                breaker: { failureRateThreshold: 60, slidingWindowSize: 50, minimumNumberOfCalls: 20, waitDurationInOpenState: 10s }
                retry: { maxAttempts: 2, budgetPercent: 10, minRetryConcurrency: 5, on: [gateway-error, "429"] }
                timeouts: { connect: 1s, response: 30s, requestHead: 5s, idle: 2m, body: 20s, send: 30s, tunnelIdle: 10m }
                limits: { maxHeaderSize: 8192, maxHeaderCount: 50, bufferedBody: 16KiB, maxBody: 10MiB, maxConnections: 500, maxBackendConnections: 20 }
                queue: { size: 50, timeout: 1s }
                ioThreads: 2
                trustedProxies: [10.0.0.1]
                forwarded: rfc7239
                admin: { address: 127.0.0.1:9090 }
                metrics: { enabled: false }
                accessLog: true
                shutdownTimeout: 5s
                """);

        assertThat(c.listeners()).hasSize(2);
        assertThat(c.listeners().get(1).tls().cert()).isEqualTo(dir.resolve("cert.pem"));
        assertThat(c.backends())
                .containsExactly(
                        new BackendSpec("web-1", "http://127.0.0.1:9001", 3, java.util.Map.of()),
                        BackendSpec.of("web-2", "http://[::1]:9002"));
        assertThat(c.gateway().strategy()).isEqualTo("weighted_round_robin");
        assertThat(c.gateway().healthCheck().timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.gateway().healthCheck().downInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.gateway().healthCheck().fastInterval()).isEqualTo(Duration.ofMillis(20));
        assertThat(c.gateway().slowStart()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.gateway().panicThresholdPercent()).isEqualTo(50);
        assertThat(c.gateway().breakerMinimumNumberOfCalls()).isEqualTo(20);
        assertThat(c.gateway().maxAttempts()).isEqualTo(2);
        assertThat(c.proxy().retryOn().tokens()).containsExactly("gateway-error", "429");
        assertThat(c.proxy().retryOn().matches(503)).isTrue();
        assertThat(c.proxy().connectTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.proxy().idleTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.proxy().bodyTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.proxy().sendTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.proxy().tunnelIdleTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.proxy().bufferedBody()).isEqualTo(16 * 1024);
        assertThat(c.proxy().maxBody()).isEqualTo(10L << 20);
        assertThat(c.proxy().forwarded()).isEqualTo(HttpProxyConfig.Forwarded.RFC7239);
        assertThat(c.proxy().maxConnections()).isEqualTo(500);
        assertThat(c.proxy().maxBackendConnections()).isEqualTo(20);
        assertThat(c.proxy().queueSize()).isEqualTo(50);
        assertThat(c.proxy().queueTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.admin().address().getPort()).isEqualTo(9090);
        assertThat(c.metrics()).isFalse();
        assertThat(c.accessLog()).isTrue();
        assertThat(c.shutdownTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void parse_httpsBackend_andBackendTls() throws Exception {
        Files.writeString(dir.resolve("ca.pem"), "x");
        Files.writeString(dir.resolve("cert.pem"), "x");
        Files.writeString(dir.resolve("key.pem"), "x");
        ReverlConfig c = parse("""
                listeners: [ { address: "127.0.0.1:8080" } ]
                backends:
                  - { id: b1, address: "https://web.example:8443" }
                  - { id: b2, address: "tcp://10.0.0.2:80" }
                backendTls: { caBundle: ca.pem, clientCert: cert.pem, clientKey: key.pem, provider: jdk }
                http2: { enabled: true, maxConcurrentStreams: 50 }
                """);
        assertThat(c.proxy().http2()).isTrue();
        assertThat(c.proxy().maxConcurrentStreams()).isEqualTo(50);
        assertThat(c.backends().get(0).address()).isEqualTo("https://web.example:8443");
        assertThat(c.backends().get(1).address()).isEqualTo("http://10.0.0.2:80");
        assertThat(c.proxy().backendTls().verifies()).isTrue();
        assertThat(c.proxy().backendTls().caBundle()).isEqualTo(dir.resolve("ca.pem"));

        ReverlConfig insecure = parse("""
                listeners: [ { address: "127.0.0.1:8080" } ]
                backends: [ { id: b1, address: "https://web.example:8443" } ]
                backendTls: { verify: false }
                """);
        assertThat(insecure.proxy().backendTls().verifies()).isFalse();

        assertThatThrownBy(() -> parse("""
                        listeners: [ { address: "127.0.0.1:8080" } ]
                        backends: [ { id: b1, address: "https://web.example:8443" } ]
                        backendTls: { clientCert: cert.pem, caBundle: nowhere.pem }
                        """))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.errors())
                                .containsExactlyInAnyOrder(
                                        "backendTls.caBundle: \"nowhere.pem\" (expected: a readable file)",
                                        "backendTls: clientCert and clientKey go together"));
    }

    @Test
    void httpProbe_takesBackendTls_whereItsOwnOptionsLeaveItOut() throws Exception {
        for (String f : List.of("ca.pem", "cert.pem", "key.pem", "other-ca.pem")) {
            Files.writeString(dir.resolve(f), "x");
        }
        String tls = "backendTls: { caBundle: ca.pem, clientCert: cert.pem, clientKey: key.pem, verify: false }\n";
        ReverlConfig c = parse("""
                listeners: [ { address: "127.0.0.1:8080" } ]
                backends: [ { id: b1, address: "https://web.example:8443" } ]
                health: { probe: http, options: { path: /health } }
                """ + tls);
        assertThat(c.gateway().healthCheck().probeOptions())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "path", "/health",
                        "tls_verify", "false",
                        "tls_ca", dir.resolve("ca.pem").toString(),
                        "tls_cert", dir.resolve("cert.pem").toString(),
                        "tls_key", dir.resolve("key.pem").toString()));

        // the probe's own options win, and a client certificate of its own is taken whole
        String otherCa = dir.resolve("other-ca.pem").toString();
        String cert = dir.resolve("cert.pem").toString();
        ReverlConfig own = parse("""
                listeners: [ { address: "127.0.0.1:8080" } ]
                backends: [ { id: b1, address: "https://web.example:8443" } ]
                """ + "health: { probe: http, options: { tls_verify: \"true\", tls_ca: \"" + otherCa
                + "\", tls_cert: \""
                + cert + "\", tls_key: \"" + cert + "\" } }\n" + tls);
        assertThat(own.gateway().healthCheck().probeOptions())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("tls_verify", "true", "tls_ca", otherCa, "tls_cert", cert, "tls_key", cert));

        // each pool's http probe, and no other probe
        ReverlConfig pools = parse("""
                listeners: [ { address: "127.0.0.1:8080" } ]
                pools:
                  web:
                    backends: [ { id: b1, address: "https://web.example:8443" } ]
                    health: { probe: http }
                  api:
                    backends: [ { id: a1, address: "https://api.example:8443" } ]
                    health: { probe: tcp }
                defaultPool: web
                """ + tls);
        assertThat(pools.pools().get("web").gateway().healthCheck().probeOptions())
                .containsEntry("tls_ca", dir.resolve("ca.pem").toString())
                .containsEntry("tls_verify", "false");
        assertThat(pools.pools().get("api").gateway().healthCheck().probeOptions())
                .isEmpty();

        // without backendTls the probe keeps its defaults
        ReverlConfig plain = parse("""
                listeners: [ { address: "127.0.0.1:8080" } ]
                backends: [ { id: b1, address: "https://web.example:8443" } ]
                health: { probe: http }
                """);
        assertThat(plain.gateway().healthCheck().probeOptions()).isEmpty();
    }

    @Test
    void parse_minimalConfig_defaults() throws Exception {
        ReverlConfig c = parse("""
                listeners: [ { address: "127.0.0.1:8080" } ]
                backends: [ { id: b1, address: "127.0.0.1:9001" } ]
                """);

        assertThat(c.gateway().strategy()).isEqualTo("round_robin");
        assertThat(c.gateway().healthCheck()).isNull();
        assertThat(c.proxy().bufferedBody()).isEqualTo(64 * 1024);
        assertThat(c.proxy().maxBody()).isEqualTo(HttpProxyConfig.UNLIMITED_BODY);
        assertThat(c.proxy().forwarded()).isEqualTo(HttpProxyConfig.Forwarded.X_FORWARDED);
        assertThat(c.proxy().tunnelIdleTimeout()).isEqualTo(HttpProxyConfig.DEFAULT_TUNNEL_IDLE_TIMEOUT);
        assertThat(c.proxy().http2()).isFalse();
        assertThat(c.admin().enabled()).isTrue();
        assertThat(c.admin().address().getPort()).isEqualTo(8081);
        assertThat(c.metrics()).isTrue();
    }

    @Test
    void listenerTls_sniCertificates_parsed() throws Exception {
        for (String f : new String[] {"main.crt", "main.key", "api.crt", "api.key", "all.p12"}) {
            Files.writeString(dir.resolve(f), "x");
        }
        ReverlConfig c = parse("""
                listeners:
                  - address: 127.0.0.1:8443
                    tls:
                      cert: main.crt
                      key: main.key
                      sni:
                        - { names: [API.example.com], cert: api.crt, key: api.key }
                        - { names: ["*.example.com", www.example.org], p12: all.p12, p12Password: secret }
                backends: [ { id: b1, address: 127.0.0.1:9001 } ]
                """);

        ReverlConfig.Tls tls = c.listeners().get(0).tls();
        assertThat(tls.cert()).isEqualTo(dir.resolve("main.crt"));
        assertThat(tls.sni())
                .containsExactly(
                        new ReverlConfig.SniCertificate(
                                java.util.List.of("api.example.com"),
                                dir.resolve("api.crt"),
                                dir.resolve("api.key"),
                                null,
                                ""),
                        new ReverlConfig.SniCertificate(
                                java.util.List.of("*.example.com", "www.example.org"),
                                null,
                                null,
                                dir.resolve("all.p12"),
                                "secret"));
    }

    @Test
    void listenerTls_badSniCertificates_reportedWithTheirPaths() throws Exception {
        for (String f : new String[] {"main.crt", "main.key", "api.crt", "api.key"}) {
            Files.writeString(dir.resolve(f), "x");
        }
        String yaml = """
                listeners:
                  - address: 127.0.0.1:8443
                    tls:
                      cert: main.crt
                      key: main.key
                      sni:
                        - { names: [api.example.com, localhost, "a.*.example.com"], cert: api.crt, key: api.key }
                        - { names: [API.example.com], cert: api.crt }
                        - { names: [], cert: api.crt, key: api.key, p12: api.crt }
                        - { cert: gone.crt, key: api.key, colour: blue }
                backends: [ { id: b1, address: 127.0.0.1:9001 } ]
                admin: { address: 127.0.0.1:9090, tls: { cert: main.crt, key: main.key, sni: [] } }
                """;

        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.errors())
                                .containsExactlyInAnyOrder(
                                        "listeners[0].tls.sni[0].names[1]: \"localhost\" (expected: a DNS name with a"
                                                + " dot, or *. and one, e.g. *.example.com)",
                                        "listeners[0].tls.sni[0].names[2]: \"a.*.example.com\" (expected: a DNS name"
                                                + " with a dot, or *. and one, e.g. *.example.com)",
                                        "listeners[0].tls.sni[1].names[0]: \"API.example.com\" (expected: a name not"
                                                + " listed already; listeners[0].tls.sni[0].names[0] has it)",
                                        "listeners[0].tls.sni[1]: cert and key go together",
                                        "listeners[0].tls.sni[2].names: [] (expected: at least one name)",
                                        "listeners[0].tls.sni[2]: exactly one of cert+key or p12",
                                        "listeners[0].tls.sni[3].names: missing (expected: a list of names such as"
                                                + " [api.example.com, \"*.example.com\"])",
                                        "listeners[0].tls.sni[3].cert: \"gone.crt\" (expected: a readable file)",
                                        "listeners[0].tls.sni[3].colour: unknown key (expected: one of [cert, key,"
                                                + " names, p12, p12Password])",
                                        "admin.tls.sni: unknown key (expected: one of [cert, key, p12, p12Password,"
                                                + " provider, selfSigned])"));
    }

    @Test
    void backendTls_perBackend_asItsTags_validated() throws Exception {
        Files.writeString(dir.resolve("ca.pem"), "x");
        ReverlConfig c = parse("""
                listeners: [ { address: 127.0.0.1:8080 } ]
                backends:
                  - { id: a, address: "https://10.0.0.1:8443", tls: { verify: false } }
                  - { id: b, address: "https://10.0.0.2:8443", tls: { ca: ca.pem, serverName: api.internal } }
                  - { id: c, address: "https://10.0.0.3:8443" }
                """);
        assertThat(c.backends().get(0).tags()).isEqualTo(java.util.Map.of("tls.verify", "false"));
        assertThat(c.backends().get(1).tags())
                .isEqualTo(
                        java.util.Map.of("tls.ca", dir.resolve("ca.pem").toString(), "tls.serverName", "api.internal"));
        assertThat(c.backends().get(2).tags()).isEmpty();

        assertThatThrownBy(() -> parse("""
                        listeners: [ { address: 127.0.0.1:8080 } ]
                        backends:
                          - { id: a, address: "http://10.0.0.1:8080", tls: { verify: false } }
                          - { id: b, address: "https://10.0.0.2:8443", tls: { verify: "no", ca: gone.pem } }
                          - { id: c, address: "https://10.0.0.3:8443", tls: { serverName: "a b", sni: x } }
                        """))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.errors())
                                .containsExactlyInAnyOrder(
                                        "backends[0].tls: only for an https:// address (the address is"
                                                + " http://10.0.0.1:8080)",
                                        "backends[1].tls.verify: \"no\" (expected: true or false)",
                                        "backends[1].tls.ca: \"gone.pem\" (expected: a readable file)",
                                        "backends[2].tls.serverName: \"a b\" (expected: a DNS name or an IP literal)",
                                        "backends[2].tls.sni: unknown key (expected: one of [ca, serverName,"
                                                + " verify])"));
    }

    @Test
    void parse_brokenConfig_reportsEveryErrorAtOnceWithPathValueAndExpectation() {
        String yaml = """
                listeners:
                  - address: 127.0.0.1:8080
                    tls: { cert: missing.pem }
                backends:
                  - { id: b1, address: 127.0.0.1:9001 }
                  - { id: b1, address: 127.0.0.1:9002 }
                  - { id: b3, address: "localhost:99999" }
                  - { id: b4, address: 127.0.0.1:9004, weight: 0 }
                  - { address: 127.0.0.1:9005 }
                strategy: { name: leastconn }
                health: { probe: tcp, intervall: 2s, fall: 0, timeout: soon }
                breaker: { slidingWindowSize: 5, minimumNumberOfCalls: 6 }
                retry: { maxAttempts: three, on: [5xx, "200"] }
                limits: { bufferedBody: lots, maxBody: -1 }
                forwarded: both
                admin: { address: "0.0.0.0:8081" }
                colour: blue
                """;

        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.errors())
                                .containsExactlyInAnyOrder(
                                        "listeners[0].tls.cert: \"missing.pem\" (expected: a readable file)",
                                        "listeners[0].tls: cert and key go together",
                                        "backends[1].id: \"b1\" (expected: a unique id; backends[0].id has it too)",
                                        "backends[2].address: \"localhost:99999\" (expected: port 1-65535)",
                                        "backends[3].weight: 0 (expected: an integer 1-10000)",
                                        "backends[4].id: missing (expected: a unique id such as web-1)",
                                        "strategy.name: \"leastconn\" (expected: one of [least_conn, maglev, peak_ewma, ring_hash,"
                                                + " round_robin, weighted_round_robin])",
                                        "health.timeout: \"soon\" (expected: a positive duration such as 500ms, 2s, 1m or PT2S)",
                                        "health.fall: 0 (expected: an integer 1-100)",
                                        "health.intervall: unknown key (expected: one of [downInterval, fall, fastInterval,"
                                                + " initiallyUp, interval, jitterPercent, options, panicThreshold, probe, rise,"
                                                + " slowStart, timeout])",
                                        "breaker.minimumNumberOfCalls: 6 (expected: <= breaker.slidingWindowSize (5))",
                                        "retry.maxAttempts: \"three\" (expected: an integer 1-10)",
                                        "retry.on[1]: \"200\" (expected: 5xx, gateway-error, or a status code from 400"
                                                + " to 599)",
                                        "limits.bufferedBody: \"lots\" (expected: a size from 0 to 67108864 bytes, such as"
                                                + " 65536, 64KiB or 10MiB)",
                                        "limits.maxBody: -1 (expected: a size from 0 to 9223372036854775807 bytes, such as"
                                                + " 65536, 64KiB or 10MiB, or unlimited)",
                                        "forwarded: \"both\" (expected: one of [x-forwarded, rfc7239])",
                                        "admin.token: missing (expected: a token when admin.address is not loopback"
                                                + " (0.0.0.0:8081))",
                                        "colour: unknown key (expected: one of [accessLog, admin, backendTls, backends, breaker,"
                                                + " defaultPool, discovery, forwarded, health, http2, ioThreads, limits, listeners,"
                                                + " metrics, outlier, pools, queue, retry, routes, routing,"
                                                + " shutdownTimeout, strategy, timeouts, trustedProxies])"))
                .hasMessageStartingWith("reverl.yaml: 18 errors:");
    }

    @Test
    void parse_badOptionsOfAKnownPlugin_reportedWithThePluginsMessage() {
        assertThatThrownBy(() -> parse("""
                        listeners: [ { address: "127.0.0.1:8080" } ]
                        backends: [ { id: b1, address: "127.0.0.1:9001" } ]
                        strategy: { name: least_conn, options: { choice_count: 11 } }
                        """))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.errors())
                                .singleElement()
                                .asString()
                                .startsWith("strategy.options: strategy 'least_conn': choice_count: "));
    }

    @Test
    void parse_notYamlOrEmptyOrMissingSections_clearErrors() {
        assertThatThrownBy(() -> parse("listeners: [ {"))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.errors()).singleElement().asString().startsWith("not valid YAML: "));
        assertThatThrownBy(() -> parse("")).hasMessageContaining("empty (expected: at least listeners and backends)");
        assertThatThrownBy(() -> parse("a: 1\na: 2\n")).hasMessageContaining("Duplicate field 'a'");
        assertThatThrownBy(() -> parse("strategy: { name: round_robin }"))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.errors())
                                .containsExactly(
                                        "listeners: missing (expected: a list of at least one listener, e.g. - address:"
                                                + " 127.0.0.1:8080)",
                                        "backends: missing (expected: a list of backends, e.g. - { id: web-1, address:"
                                                + " 127.0.0.1:9001 }, or a discovery section)"));
    }

    @Test
    void load_missingFile_saysSo() {
        assertThatThrownBy(() -> loader.load(dir.resolve("nope.yaml")))
                .isInstanceOf(ConfigException.class)
                .hasMessageEndingWith("nope.yaml: 1 error:\n  file not found");
    }

    @Test
    void parse_adminAndHealthAddresses_validatedWithPathValueAndExpectation() throws Exception {
        String yaml = """
                listeners: [ { address: "127.0.0.1:8080" } ]
                backends:
                  - { id: b1, address: "tcp://10.0.0.1:80", health: { port: 9090 } }
                  - { id: b2, address: "[::1]:81", health: { address: "10.0.0.9:7070" } }
                  - { id: b3, address: "pid:12" }
                  - { id: b4, address: "10.0.0.4:80", health: { port: 1, pid: 3 } }
                  - { id: b5, address: "10.0.0.5:80", health: { address: "10.0.0.5" } }
                  - { id: b6, address: "10.0.0.6:80", health: { interval: 1s } }
                admin:
                  address: "unix:/no/such/dir/admin.sock"
                  hosts: [ ops.internal, "bad host:1" ]
                  timeouts: { request: 0s, idle: 5m }
                """;
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.errors())
                                .containsExactlyInAnyOrder(
                                        "backends[2].address: \"pid:12\" (expected: host:port, http://host:port,"
                                                + " https://host:port or tcp://host:port)",
                                        "backends[3].health: 2 keys (expected: exactly one of port, address, pid or pidfile)",
                                        "backends[4].health.address: \"10.0.0.5\" (expected: host:port, http://host:port,"
                                                + " https://host:port, tcp://host:port, local:<id>, pid:<pid> or pidfile:<path>)",
                                        "backends[5].health.interval: unknown key (expected: one of [address, pid, pidfile,"
                                                + " port])",
                                        "backends[5].health: {} (expected: exactly one of port, address, pid or pidfile)",
                                        "admin.address: \"unix:/no/such/dir/admin.sock\" (expected: a socket path in an"
                                                + " existing directory)",
                                        "admin.hosts[1]: \"bad host:1\" (expected: a DNS name or an IP literal, without a"
                                                + " port)",
                                        "admin.timeouts.request: \"0s\" (expected: a positive duration such as 500ms, 2s,"
                                                + " 1m or PT2S)"));

        ReverlConfig ok = parse("""
                listeners: [ { address: "127.0.0.1:8080" } ]
                backends:
                  - { id: b1, address: "tcp://10.0.0.1:80", health: { port: 9090 } }
                  - { id: b2, address: "[::1]:81", health: { address: "10.0.0.9:7070" } }
                admin: { address: "unix:admin.sock", hosts: [ OPS.internal ], timeouts: { idle: 5m } }
                """);
        assertThat(ok.backends())
                .extracting(BackendSpec::address, BackendSpec::healthAddress)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("http://10.0.0.1:80", "tcp://10.0.0.1:9090"),
                        org.assertj.core.groups.Tuple.tuple("http://[::1]:81", "tcp://10.0.0.9:7070"));
        assertThat(ok.admin().unixSocket()).hasFileName("admin.sock");
        assertThat(ok.admin().address()).isNull();
        assertThat(ok.admin().hosts()).containsExactly("ops.internal");
        assertThat(ok.admin().idleTimeout()).isEqualTo(java.time.Duration.ofMinutes(5));
    }

    @Test
    void discovery_sitsBesideBackends_withTheSourcesOptionsBesideItsName() throws Exception {
        ReverlConfig c = parse("""
                listeners: [ { address: 127.0.0.1:8080 } ]
                discovery: { source: dns, name: _http._tcp.web.example, servers: "10.0.0.2:53", min_ttl: 5s }
                """);
        assertThat(c.backends()).isEmpty();
        assertThat(c.discovery())
                .isEqualTo(new ReverlConfig.Discovery(
                        "dns",
                        java.util.Map.of("name", "_http._tcp.web.example", "servers", "10.0.0.2:53", "min_ttl", "5s")));

        ReverlConfig both = parse("""
                listeners: [ { address: 127.0.0.1:8080 } ]
                backends: [ { id: web-1, address: 127.0.0.1:9001 } ]
                discovery:
                  source: etcd
                  endpoints: http://127.0.0.1:2379
                  prefix: /reverl/pools/web/
                  user: reverl
                  password: s3cret
                """);
        assertThat(both.backends()).hasSize(1);
        assertThat(both.discovery().options()).containsEntry("prefix", "/reverl/pools/web/");
        assertThat(both.discovery().toString()).doesNotContain("s3cret");
    }

    @Test
    void pluginFileOptions_relativeToTheConfigurationFile_asEveryOtherPath() throws Exception {
        for (String f : List.of("ca.pem", "cert.pem", "key.pem")) {
            Files.writeString(dir.resolve(f), "x");
        }
        ReverlConfig c = parse("""
                listeners: [ { address: 127.0.0.1:8080 } ]
                backends: [ { id: b1, address: "https://web.example:8443" } ]
                health: { probe: http, options: { tls_ca: ca.pem, tls_cert: cert.pem, tls_key: key.pem, path: /health } }
                discovery:
                  source: etcd
                  endpoints: https://127.0.0.1:2379
                  prefix: /reverl/pools/web/
                  tls_ca: ca.pem
                  tls_cert: cert.pem
                  tls_key: key.pem
                """);
        for (Map<String, String> options :
                List.of(c.gateway().healthCheck().probeOptions(), c.discovery().options())) {
            assertThat(options)
                    .containsEntry("tls_ca", dir.resolve("ca.pem").toString())
                    .containsEntry("tls_cert", dir.resolve("cert.pem").toString())
                    .containsEntry("tls_key", dir.resolve("key.pem").toString());
        }
        // options that are not files stay as written
        assertThat(c.gateway().healthCheck().probeOptions()).containsEntry("path", "/health");
        assertThat(c.discovery().options()).containsEntry("prefix", "/reverl/pools/web/");

        // a file missing next to the configuration is reported with its option
        assertThatThrownBy(() -> parse("""
                        listeners: [ { address: 127.0.0.1:8080 } ]
                        backends: [ { id: b1, address: "https://web.example:8443" } ]
                        health: { probe: http, options: { tls_ca: nowhere.pem } }
                        """))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.errors())
                                .containsExactly("health.options: probe 'http': tls_ca: '" + dir.resolve("nowhere.pem")
                                        + "' (expected: a readable PEM file)"));
    }

    @Test
    void discovery_errorsNameThePathTheValueAndWhatWasExpected() {
        assertThatThrownBy(() -> parse("""
                        listeners: [ { address: 127.0.0.1:8080 } ]
                        discovery: { source: consul, name: web }
                        """))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.errors())
                                .containsExactly("discovery.source: \"consul\" (expected: one of [dns, etcd])"));
        assertThatThrownBy(() -> parse("""
                        listeners: [ { address: 127.0.0.1:8080 } ]
                        discovery: { source: dns, name: web.example, port: 0 }
                        """))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.errors()).containsExactly("discovery.port: 0 (expected: 1-65535)"));
        assertThatThrownBy(() -> parse("""
                        listeners: [ { address: 127.0.0.1:8080 } ]
                        discovery: { source: dns, name: web.example, port: 80, ttl: 5s }
                        """))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.errors())
                                .containsExactly(
                                        "discovery.ttl: unknown key (expected: one of [source, max_ttl, min_ttl,"
                                                + " name, port, scheme, servers, timeout, type, weight])"));
        assertThatThrownBy(() -> parse("""
                        listeners: [ { address: 127.0.0.1:8080 } ]
                        discovery: { name: web.example, port: 80 }
                        """))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.errors())
                                .containsExactly("discovery.source: missing (expected: a discovery source, one of [dns,"
                                        + " etcd])"));
        assertThatThrownBy(() -> parse("""
                        listeners: [ { address: 127.0.0.1:8080 } ]
                        """))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.errors())
                                .contains(
                                        "backends: missing (expected: a list of backends, e.g. - { id: web-1, address:"
                                                + " 127.0.0.1:9001 }, or a discovery section)"));
    }
}
