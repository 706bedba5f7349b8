package org.reverl.benchmarks.tail;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.reverl.benchmarks.load.OpenLoopSchedule;
import org.reverl.gateway.http.internal.Ticker;

/**
 * Open-loop load: requests are sent at a fixed rate whatever the answers do, and each latency is measured from the
 * request's <em>intended</em> send time, so time spent waiting to send (a paused sender, a full connection pool) counts
 * as it would for a user. No coordinated omission: a slow answer never delays the next request. The times come from
 * {@link OpenLoopSchedule}; the requests go through the JDK's {@code HttpClient}.
 */
final class OpenLoopLoad {

    /** What one run measured: per request, its latency (ns, from the intended send time) and its status (-1: no answer). */
    record Run(long[] latencies, int[] statuses) {}

    private final HttpClient client;
    private final Duration timeout;

    OpenLoopLoad(ExecutorService executor, Duration timeout) {
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(executor)
                .connectTimeout(timeout)
                .build();
        this.timeout = timeout;
    }

    /** Sends {@code rate} GETs a second to {@code uri} for {@code duration} and waits (bounded) for every answer. */
    Run run(URI uri, int rate, Duration duration) throws InterruptedException {
        OpenLoopSchedule schedule = OpenLoopSchedule.of(rate, Math.max(1, rate * duration.toMillis() / 1000));
        int count = Math.toIntExact(schedule.count());
        long[] latencies = new long[count];
        int[] statuses = new int[count];
        CountDownLatch done = new CountDownLatch(count);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        schedule.run(Ticker.SYSTEM, OpenLoopSchedule.Sleeper.PARK, (i, intended) -> {
            int index = (int) i;
            client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                latencies[index] = System.nanoTime() - intended;
                statuses[index] = error == null ? response.statusCode() : -1;
                done.countDown();
            });
        });
        if (!done.await(timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(done.getCount() + " requests unanswered after the timeout");
        }
        return new Run(latencies, statuses);
    }
}
