package org.reverl.server.admin;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real headless Chromium (Debian's {@code chromium}) that loads a page, lets its scripts run for a budget of virtual
 * time (fetches complete while virtual time is paused), and returns the DOM as rendered.
 */
final class HeadlessChromium {

    private static final List<String> NAMES =
            List.of("chromium", "chromium-browser", "google-chrome-stable", "google-chrome");

    private final Path binary;
    private final Path workDir;

    HeadlessChromium(Path binary, Path workDir) {
        this.binary = binary;
        this.workDir = workDir;
    }

    /** {@code REVERL_CHROMIUM} if set, else the first of chromium, chromium-browser, google-chrome on the PATH. */
    static Optional<Path> find() {
        String env = System.getenv("REVERL_CHROMIUM");
        if (env != null && !env.isBlank()) {
            return Optional.of(Path.of(env)).filter(Files::isExecutable);
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String name : NAMES) {
            for (String dir : path.split(File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Loads {@code url} in a new profile, runs it for {@code virtualMillis} of virtual time and returns the serialized
     * DOM. Fails if Chromium does not finish within 60 s.
     */
    String dumpDom(URI url, int virtualMillis) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(workDir, "profile-");
        Path out = Files.createTempFile(workDir, "dom-", ".html");
        Path err = Files.createTempFile(workDir, "stderr-", ".txt");
        Process p = new ProcessBuilder(
                        binary.toString(),
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--disable-dev-shm-usage",
                        "--user-data-dir=" + profile,
                        "--virtual-time-budget=" + virtualMillis,
                        "--dump-dom",
                        url.toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 60 s; its stderr:\n" + tail(err));
        }
        String dom = Files.readString(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0 || dom.isBlank()) {
            throw new AssertionError("chromium exited with " + p.exitValue() + "; its stderr:\n" + tail(err));
        }
        return dom;
    }

    private static String tail(Path f) throws IOException {
        String s = Files.readString(f, StandardCharsets.UTF_8);
        return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
    }
}
