package org.reverl.server.metrics;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The JVM's garbage collection, read from its management beans when a scrape asks, never pushed per collection.
 *
 * <p>Micrometer's {@code JvmGcMetrics} listens for a JMX notification after every collection. Each one makes the JVM
 * build a {@code GcInfo} (the usage of every memory pool before and after) on its notification thread, where the
 * listener then reads it through open-MBean composite data. With the launcher's small young generation a busy proxy
 * collects about ten times a second, and that work alone was 2% of the process's CPU under load (perf, 2,000 samples a
 * second), most of it interpreted. Without a listener the JVM builds no notification at all.
 *
 * <p>Meters, with Micrometer's names so that dashboards over {@code JvmGcMetrics} keep working:
 * <ul>
 *   <li>{@code jvm_gc_pause_seconds_count} and {@code _sum}, label {@code gc} (the collector's name, e.g. {@code
 *       Copy} and {@code MarkSweepCompact} for the serial collector): collections and the time spent in them, as the
 *       JVM counts them. Unlike {@code JvmGcMetrics} there is no {@code _max} and no {@code action} or {@code cause}
 *       label: those exist only in notifications.
 *   <li>{@code jvm_gc_live_data_size_bytes}: the old generation's usage after its last collection.
 *   <li>{@code jvm_gc_max_data_size_bytes}: the old generation's maximum size.
 * </ul>
 * {@code jvm_gc_memory_allocated_bytes_total} and {@code jvm_gc_memory_promoted_bytes_total} are not offered: they are
 * computed from each notification's before and after usage.
 */
final class PolledGcMetrics implements MeterBinder {

    private final List<GarbageCollectorMXBean> collectors;
    private final List<MemoryPoolMXBean> pools;

    PolledGcMetrics() {
        this(ManagementFactory.getGarbageCollectorMXBeans(), ManagementFactory.getMemoryPoolMXBeans());
    }

    PolledGcMetrics(List<GarbageCollectorMXBean> collectors, List<MemoryPoolMXBean> pools) {
        this.collectors = List.copyOf(requireNonNull(collectors, "collectors"));
        this.pools = List.copyOf(requireNonNull(pools, "pools"));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (GarbageCollectorMXBean gc : collectors) {
            FunctionTimer.builder(
                            "jvm.gc.pause",
                            gc,
                            GarbageCollectorMXBean::getCollectionCount,
                            PolledGcMetrics::collectionMillis,
                            TimeUnit.MILLISECONDS)
                    .description("Collections by this collector and the time spent in them, read when scraped")
                    .tag("gc", gc.getName())
                    .register(registry);
        }
        MemoryPoolMXBean old = oldGeneration(pools);
        if (old != null) {
            Gauge.builder("jvm.gc.live.data.size", old, PolledGcMetrics::usedAfterLastCollection)
                    .description("Size of the old generation after its last collection")
                    .baseUnit("bytes")
                    .register(registry);
            Gauge.builder("jvm.gc.max.data.size", old, p -> p.getUsage().getMax())
                    .description("Maximum size of the old generation")
                    .baseUnit("bytes")
                    .register(registry);
        }
    }

    /** The bean says -1 when it does not know: counted as nothing spent, as a counter cannot go back. */
    private static double collectionMillis(GarbageCollectorMXBean gc) {
        return Math.max(0, gc.getCollectionTime());
    }

    private static double usedAfterLastCollection(MemoryPoolMXBean pool) {
        MemoryUsage after = pool.getCollectionUsage();
        return after == null ? 0 : after.getUsed();
    }

    /**
     * The heap pool that holds long-lived objects, as Micrometer's {@code JvmMemory} recognises it: {@code Tenured Gen}
     * (serial), {@code PS Old Gen} (parallel), {@code G1 Old Gen}, {@code ZGC Old Generation}, and so on; {@code null}
     * if the collector has none (e.g. Epsilon).
     */
    static MemoryPoolMXBean oldGeneration(List<MemoryPoolMXBean> pools) {
        for (MemoryPoolMXBean p : pools) {
            if (p.getType() != MemoryType.HEAP) {
                continue;
            }
            String name = p.getName();
            if (name.endsWith("Old Gen") || name.endsWith("Tenured Gen") || name.endsWith("Old Generation")) {
                return p;
            }
        }
        return null;
    }
}
