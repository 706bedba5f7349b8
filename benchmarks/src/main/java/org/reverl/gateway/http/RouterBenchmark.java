package org.reverl.gateway.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.reverl.gateway.api.LoadBalancer;
import org.reverl.gateway.core.LoadBalancers;

/**
 * One {@link Router#route} of a request, as the data path does it for every request head: a table of {@code routes}
 * routes (host and path matchers, every fourth with a header matcher), and a request that the first route takes, the
 * last, or none (the default pool). Target: 0 B/op; a few ns per route tried.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class RouterBenchmark {

    @Param({"1", "10", "50"})
    public int routes;

    @Param({"first", "last", "none"})
    public String match;

    private LoadBalancer lb;
    private Router router;
    private String host;
    private String uri;
    private HttpHeaders headers;

    @Setup(Level.Trial)
    public void setUp() {
        lb = LoadBalancers.builder().build();
        Router.Builder b = Router.builder()
                .pool(ProxyPool.of("app", lb, HttpProxyConfig.builder().build()))
                .defaultPool("app");
        for (int i = 0; i < routes; i++) {
            Route.Builder r = Route.builder()
                    .host("app" + i + ".example.com")
                    .path("/v" + i)
                    .pool("app");
            if (i % 4 == 3) {
                r.header("X-Tenant", "t" + i);
            }
            b.route(r.build());
        }
        router = b.build();
        int target = match.equals("first") ? 0 : routes - 1;
        host = match.equals("none") ? "other.example.org:8080" : "APP" + target + ".example.com:8080";
        uri = "/v" + target + "/users/42?fields=name";
        headers = new DefaultHttpHeaders()
                .add("accept", "application/json")
                .add("user-agent", "bench")
                .add("x-tenant", "t" + target);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        lb.close();
    }

    @Benchmark
    public ProxyPool route() {
        return router.route("GET", host, uri, headers);
    }
}
