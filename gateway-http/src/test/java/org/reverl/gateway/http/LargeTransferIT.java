package org.reverl.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 1 GiB each way through the proxy with flat memory: the proxy streams bodies with backpressure and never holds more
 * than a few buffers per connection, so the memory of Netty's default allocator (the proxy's buffers) stays far below
 * the size of the body while it passes.
 */
class LargeTransferIT {

    private static final long GIB = 1024L * 1024 * 1024;
    /** Pooled memory the proxy may use for one transfer: a few arena chunks, never the body. */
    private static final long BOUND = 16L * 1024 * 1024;

    static TestBackend backend;
    static ProxyFixture fx;
    static HttpClient client;
    static ScheduledExecutorService sampler;

    @BeforeAll
    static void start() throws Exception {
        backend = TestBackend.start("b1");
        fx = new ProxyFixture(List.of(backend.address()));
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "memory-sampler");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stop() throws Exception {
        sampler.shutdownNow();
        fx.close();
        backend.close();
    }

    /** Samples the pooled allocator's memory every 5 ms while {@code transfer} runs; returns the largest sample. */
    private static long peakPooledMemoryDuring(ThrowingRunnable transfer) throws Exception {
        // the allocator the proxy's channels use (Netty 4.2: the adaptive pooled allocator)
        ByteBufAllocatorMetric metric = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        AtomicLong peak = new AtomicLong();
        var task = sampler.scheduleAtFixedRate(
                () -> peak.accumulateAndGet(metric.usedDirectMemory() + metric.usedHeapMemory(), Math::max),
                0,
                5,
                TimeUnit.MILLISECONDS);
        try {
            transfer.run();
        } finally {
            task.cancel(false);
        }
        return peak.get();
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void download_oneGibibyte_streamedWholeWithFlatMemory() throws Exception {
        long[] count = new long[1];
        boolean[] intact = {true};
        long peak = peakPooledMemoryDuring(() -> {
            HttpResponse<InputStream> r = client.send(
                    HttpRequest.newBuilder(fx.uri("/big?n=" + GIB))
                            .timeout(Duration.ofMinutes(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(r.statusCode()).isEqualTo(200);
            byte[] buf = new byte[1 << 16];
            try (InputStream in = r.body()) {
                int k;
                while ((k = in.read(buf)) > 0) {
                    long c = count[0];
                    for (int i = 0; i < k; i += 4099) { // a sample of every block keeps the check cheap
                        intact[0] &= buf[i] == (byte) ((c + i) % 16384);
                    }
                    count[0] += k;
                }
            }
        });

        assertThat(count[0]).isEqualTo(GIB);
        assertThat(intact[0]).isTrue();
        assertThat(peak)
                .as("peak pooled memory while 1 GiB passed")
                .isPositive()
                .isLessThan(BOUND);
    }

    @Test
    void upload_oneGibibyte_streamedWholeWithFlatMemory() throws Exception {
        String[] reply = new String[1];
        long peak = peakPooledMemoryDuring(() -> {
            HttpRequest request = HttpRequest.newBuilder(fx.uri("/upload"))
                    .timeout(Duration.ofMinutes(5))
                    .POST(HttpRequest.BodyPublishers.fromPublisher(
                            HttpRequest.BodyPublishers.ofInputStream(PatternStream::new), GIB))
                    .build();
            reply[0] =
                    client.send(request, HttpResponse.BodyHandlers.ofString()).body();
        });

        assertThat(reply[0]).isEqualTo("bytes=" + GIB + " sum=" + PatternStream.sum(GIB));
        assertThat(peak)
                .as("peak pooled memory while 1 GiB passed")
                .isPositive()
                .isLessThan(BOUND);
    }

    /** 1 GiB of bytes {@code i % 251}, generated, never held in memory. */
    static final class PatternStream extends InputStream {
        private long position;

        static long sum(long n) {
            long full = n / 251;
            long sum = full * (250L * 251 / 2);
            for (long i = 0; i < n % 251; i++) {
                sum += i;
            }
            return sum;
        }

        @Override
        public int read() {
            if (position >= GIB) {
                return -1;
            }
            return (int) (position++ % 251);
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= GIB) {
                return -1;
            }
            int n = (int) Math.min(len, GIB - position);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) ((position + i) % 251);
            }
            position += n;
            return n;
        }
    }
}
