package org.reverl.gateway.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real dnsmasq on 127.0.0.1 and a free port, answering only from files this fixture writes: a configuration
 * ({@code srv-host=} lines; dnsmasq reads it at start) and a hosts file (re-read on SIGHUP). It reads no system file
 * ({@code --no-resolv --no-hosts}), forwards nothing, and answers NXDOMAIN for other names under {@code test}.
 */
public final class Dnsmasq implements AutoCloseable {

    private static final String BINARY = findBinary();

    private final Path dir;
    private final int port;
    private Process process;

    private Dnsmasq(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Whether the dnsmasq binary is installed ({@code .ci/run} installs it). */
    public static boolean installed() {
        return BINARY != null;
    }

    /** Starts dnsmasq with these SRV lines and hosts entries; every TTL it answers with is {@code ttlSeconds}. */
    public static Dnsmasq start(Path dir, int ttlSeconds, List<String> srvHosts, List<String> hosts)
            throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            Dnsmasq d = new Dnsmasq(dir, freePort());
            try {
                d.write(ttlSeconds, srvHosts, hosts);
                d.launch();
                return d;
            } catch (IOException e) {
                last = e; // the port was taken between the probe and dnsmasq's bind: another one
                d.close();
            }
        }
        throw last;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** {@code 127.0.0.1:port}, as the {@code servers} option takes it. */
    public String server() {
        return "127.0.0.1:" + port;
    }

    /** Replaces the hosts file and makes dnsmasq re-read it (SIGHUP). */
    public void hosts(List<String> lines) throws IOException, InterruptedException {
        Files.write(dir.resolve("hosts"), lines);
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -HUP " + process.pid() + " failed");
        }
    }

    /** Stops dnsmasq, so queries go unanswered. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Starts dnsmasq again on the same port with new SRV lines (dnsmasq reads {@code srv-host} only at start). */
    public void restart(int ttlSeconds, List<String> srvHosts) throws IOException, InterruptedException {
        stop();
        List<String> hosts = Files.readAllLines(dir.resolve("hosts"));
        write(ttlSeconds, srvHosts, hosts);
        launch();
    }

    private void write(int ttlSeconds, List<String> srvHosts, List<String> hosts) throws IOException {
        Files.write(dir.resolve("hosts"), hosts);
        List<String> conf = new ArrayList<>();
        conf.add("port=" + port);
        conf.add("listen-address=127.0.0.1");
        conf.add("bind-interfaces");
        conf.add("no-resolv");
        conf.add("no-hosts");
        conf.add("addn-hosts=" + dir.resolve("hosts"));
        conf.add("local=/test/");
        conf.add("local-ttl=" + ttlSeconds);
        conf.add("auth-ttl=" + ttlSeconds);
        conf.add("cache-size=0");
        conf.add("pid-file=");
        conf.add("user=" + System.getProperty("user.name"));
        for (String srv : srvHosts) {
            conf.add("srv-host=" + srv);
        }
        Files.write(dir.resolve("dnsmasq.conf"), conf);
    }

    private void launch() throws IOException {
        process = new ProcessBuilder(BINARY, "--keep-in-foreground", "--conf-file=" + dir.resolve("dnsmasq.conf"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("dnsmasq.log").toFile()))
                .start();
        try {
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        if (!process.isAlive()) {
                            return true;
                        }
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                            return true;
                        } catch (IOException e) {
                            return false;
                        }
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new IOException("dnsmasq did not listen on port " + port + ": " + log());
        }
        if (!process.isAlive()) {
            throw new IOException("dnsmasq exited with " + process.exitValue() + ": " + log());
        }
    }

    String log() throws IOException {
        Path log = dir.resolve("dnsmasq.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A port free for both UDP and TCP on 127.0.0.1 right now. */
    private static int freePort() throws IOException {
        for (int i = 0; i < 20; i++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = tcp.getLocalPort();
                try (DatagramSocket udp =
                        new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
                    return port;
                } catch (IOException e) {
                    // UDP side taken: another
                }
            }
        }
        throw new IOException("no port free for both UDP and TCP");
    }

    private static String findBinary() {
        for (String p : List.of("/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }
}
