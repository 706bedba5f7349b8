package org.reverl.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PolledGcMetricsTest {

    @Test
    void collectionsAreReadFromTheBeans_whenAsked() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new PolledGcMetrics().bindTo(registry);
        List<GarbageCollectorMXBean> beans = ManagementFactory.getGarbageCollectorMXBeans();
        assertThat(beans).isNotEmpty();

        long before = totalCount(registry);
        System.gc(); // a full collection: counted by at least one collector of every JVM that honours it
        long after = totalCount(registry);

        assertThat(after).isGreaterThan(before);
        long beanTotal = beans.stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionCount)
                .sum();
        assertThat(after).isEqualTo(beanTotal);
        for (GarbageCollectorMXBean gc : beans) {
            FunctionTimer t =
                    registry.get("jvm.gc.pause").tag("gc", gc.getName()).functionTimer();
            assertThat(t.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(Math.max(0, gc.getCollectionTime()));
        }
    }

    @Test
    void oldGenerationSizes_afterAFullCollection() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new PolledGcMetrics().bindTo(registry);
        MemoryPoolMXBean old = PolledGcMetrics.oldGeneration(ManagementFactory.getMemoryPoolMXBeans());
        if (old == null) {
            // a collector without an old generation (ZGC, Shenandoah): no data-size gauges, as with JvmGcMetrics
            assertThat(registry.find("jvm.gc.live.data.size").gauge()).isNull();
            return;
        }
        System.gc();
        Gauge live = registry.get("jvm.gc.live.data.size").gauge();
        Gauge max = registry.get("jvm.gc.max.data.size").gauge();
        assertThat(live.value()).isPositive();
        assertThat(live.value()).isEqualTo(old.getCollectionUsage().getUsed());
        assertThat(max.value()).isEqualTo(old.getUsage().getMax());
    }

    @Test
    void oldGeneration_recognisedByTheNamesOfTheCollectors() {
        assertThat(PolledGcMetrics.oldGeneration(List.of(pool("Eden Space", MemoryType.HEAP))))
                .isNull();
        MemoryPoolMXBean tenured = pool("Tenured Gen", MemoryType.HEAP);
        assertThat(PolledGcMetrics.oldGeneration(List.of(pool("Eden Space", MemoryType.HEAP), tenured)))
                .isSameAs(tenured);
        MemoryPoolMXBean g1 = pool("G1 Old Gen", MemoryType.HEAP);
        assertThat(PolledGcMetrics.oldGeneration(List.of(g1))).isSameAs(g1);
        MemoryPoolMXBean zgc = pool("ZGC Old Generation", MemoryType.HEAP);
        assertThat(PolledGcMetrics.oldGeneration(List.of(zgc))).isSameAs(zgc);
        // a non-heap pool never counts, whatever its name
        assertThat(PolledGcMetrics.oldGeneration(List.of(pool("Old Gen", MemoryType.NON_HEAP))))
                .isNull();
    }

    @Test
    void prometheusNames_matchMicrometersGcBinder() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new PolledGcMetrics().bindTo(registry);
        System.gc();
        String text = registry.scrape();
        assertThat(text).contains("jvm_gc_pause_seconds_count{gc=").contains("jvm_gc_pause_seconds_sum{gc=");
        if (PolledGcMetrics.oldGeneration(ManagementFactory.getMemoryPoolMXBeans()) != null) {
            assertThat(text).contains("jvm_gc_live_data_size_bytes").contains("jvm_gc_max_data_size_bytes");
        }
    }

    private static long totalCount(SimpleMeterRegistry registry) {
        return registry.get("jvm.gc.pause").functionTimers().stream()
                .mapToLong(t -> (long) t.count())
                .sum();
    }

    private static MemoryPoolMXBean pool(String name, MemoryType type) {
        return (MemoryPoolMXBean) java.lang.reflect.Proxy.newProxyInstance(
                PolledGcMetricsTest.class.getClassLoader(), new Class<?>[] {MemoryPoolMXBean.class}, (p, m, a) -> {
                    switch (m.getName()) {
                        case "getName":
                            return name;
                        case "getType":
                            return type;
                        default:
                            throw new UnsupportedOperationException(m.getName());
                    }
                });
    }
}
