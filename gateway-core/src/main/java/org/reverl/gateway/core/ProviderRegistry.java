package org.reverl.gateway.core;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import org.reverl.gateway.api.Checks;
import org.reverl.gateway.api.DiscoverySource;
import org.reverl.gateway.api.DiscoverySourceProvider;
import org.reverl.gateway.api.LivenessProbe;
import org.reverl.gateway.api.LivenessProbeProvider;
import org.reverl.gateway.api.SelectionStrategy;
import org.reverl.gateway.api.SelectionStrategyProvider;

/**
 * The selection strategies, liveness probes and discovery sources available to gateways, by name, usually found by
 * {@link ServiceLoader}.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li>Providers whose {@code isAvailable()} is {@code false} are ignored.
 *   <li>Names must match {@code [a-z][a-z0-9_]*} and priorities lie in 0-10; a provider breaking either fails
 *       construction, naming its class.
 *   <li>For each name the provider with the highest priority wins. Two providers of one class (the same jar twice on
 *       the class path) count once. Two different classes with the same name and the same highest priority fail
 *       construction: the winner never depends on class path order.
 *   <li>Listings are sorted by name; providers of one name by priority, then class name.
 *   <li>An unknown name fails with a message listing the known ones.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class ProviderRegistry {

    private final Map<String, SelectionStrategyProvider> strategies;
    private final Map<String, LivenessProbeProvider> probes;
    private final Map<String, DiscoverySourceProvider> sources;

    private ProviderRegistry(
            Iterable<? extends SelectionStrategyProvider> strategies,
            Iterable<? extends LivenessProbeProvider> probes,
            Iterable<? extends DiscoverySourceProvider> sources) {
        this.strategies = resolve(
                "selection strategy",
                strategies,
                SelectionStrategyProvider::name,
                SelectionStrategyProvider::priority,
                SelectionStrategyProvider::isAvailable);
        this.probes = resolve(
                "liveness probe",
                probes,
                LivenessProbeProvider::name,
                LivenessProbeProvider::priority,
                LivenessProbeProvider::isAvailable);
        this.sources = resolve(
                "discovery source",
                sources,
                DiscoverySourceProvider::name,
                DiscoverySourceProvider::priority,
                DiscoverySourceProvider::isAvailable);
    }

    /** The providers {@link ServiceLoader} finds through the class loader that loaded Reverl. */
    public static ProviderRegistry load() {
        return load(ProviderRegistry.class.getClassLoader());
    }

    /** The providers {@link ServiceLoader} finds through {@code classLoader}. */
    public static ProviderRegistry load(ClassLoader classLoader) {
        requireNonNull(classLoader, "classLoader");
        return new ProviderRegistry(
                ServiceLoader.load(SelectionStrategyProvider.class, classLoader),
                ServiceLoader.load(LivenessProbeProvider.class, classLoader),
                ServiceLoader.load(DiscoverySourceProvider.class, classLoader));
    }

    /**
     * Exactly these providers and no discovery source, with the same rules as {@link #load()}; for tests and
     * dependency injection.
     */
    public static ProviderRegistry of(
            Iterable<? extends SelectionStrategyProvider> strategies,
            Iterable<? extends LivenessProbeProvider> probes) {
        return of(strategies, probes, List.of());
    }

    /** Exactly these providers, with the same rules as {@link #load()}; for tests and dependency injection. */
    public static ProviderRegistry of(
            Iterable<? extends SelectionStrategyProvider> strategies,
            Iterable<? extends LivenessProbeProvider> probes,
            Iterable<? extends DiscoverySourceProvider> sources) {
        return new ProviderRegistry(
                requireNonNull(strategies, "strategies"),
                requireNonNull(probes, "probes"),
                requireNonNull(sources, "sources"));
    }

    /** The winning strategy provider for {@code name}, if any. */
    public Optional<SelectionStrategyProvider> strategyProvider(String name) {
        return Optional.ofNullable(strategies.get(requireNonNull(name, "name")));
    }

    /** The winning probe provider for {@code name}, if any. */
    public Optional<LivenessProbeProvider> probeProvider(String name) {
        return Optional.ofNullable(probes.get(requireNonNull(name, "name")));
    }

    /** The winning discovery source provider for {@code name}, if any. */
    public Optional<DiscoverySourceProvider> sourceProvider(String name) {
        return Optional.ofNullable(sources.get(requireNonNull(name, "name")));
    }

    /** The known discovery source names, sorted. */
    public Set<String> sourceNames() {
        return sources.keySet();
    }

    /** The known strategy names, sorted. */
    public Set<String> strategyNames() {
        return strategies.keySet();
    }

    /** The known probe names, sorted. */
    public Set<String> probeNames() {
        return probes.keySet();
    }

    /**
     * Creates the strategy {@code name} with {@code options}.
     *
     * @throws IllegalArgumentException if the name is unknown (listing the known ones) or an option is invalid
     */
    public SelectionStrategy newStrategy(String name, Map<String, String> options) {
        SelectionStrategyProvider provider = strategies.get(requireNonNull(name, "name"));
        if (provider == null) {
            throw unknown("selection strategy", name, strategies.keySet());
        }
        SelectionStrategy strategy = provider.create(Map.copyOf(options));
        if (strategy == null) {
            throw new IllegalStateException(provider.getClass().getName() + ".create returned null");
        }
        return strategy;
    }

    /**
     * Creates the probe {@code name} with {@code options}.
     *
     * @throws IllegalArgumentException if the name is unknown (listing the known ones) or an option is invalid
     */
    public LivenessProbe newProbe(String name, Map<String, String> options) {
        LivenessProbeProvider provider = probes.get(requireNonNull(name, "name"));
        if (provider == null) {
            throw unknown("liveness probe", name, probes.keySet());
        }
        LivenessProbe probe = provider.create(Map.copyOf(options));
        if (probe == null) {
            throw new IllegalStateException(provider.getClass().getName() + ".create returned null");
        }
        return probe;
    }

    /**
     * Creates the discovery source {@code name} with {@code options}, not started.
     *
     * @throws IllegalArgumentException if the name is unknown (listing the known ones) or an option is invalid
     */
    public DiscoverySource newSource(String name, Map<String, String> options) {
        DiscoverySourceProvider provider = sources.get(requireNonNull(name, "name"));
        if (provider == null) {
            throw unknown("discovery source", name, sources.keySet());
        }
        DiscoverySource source = provider.create(Map.copyOf(options));
        if (source == null) {
            throw new IllegalStateException(provider.getClass().getName() + ".create returned null");
        }
        return source;
    }

    private static IllegalArgumentException unknown(String kind, String name, Set<String> known) {
        return new IllegalArgumentException("unknown " + kind + ": '" + name + "' (expected: one of " + known
                + "); is the module that provides it on the class path?");
    }

    private static <P> Map<String, P> resolve(
            String kind,
            Iterable<? extends P> found,
            Function<P, String> nameOf,
            ToIntFunction<P> priorityOf,
            Predicate<P> available) {
        Map<String, List<P>> byName = new TreeMap<>();
        for (P provider : found) {
            requireNonNull(provider, kind + " provider");
            if (!available.test(provider)) {
                continue;
            }
            String cls = provider.getClass().getName();
            String name = nameOf.apply(provider);
            Checks.pluginName(kind + " provider " + cls + ": name", name);
            Checks.inRange(kind + " provider " + cls + ": priority", priorityOf.applyAsInt(provider), 0, 10);
            List<P> list = byName.computeIfAbsent(name, k -> new ArrayList<>());
            if (list.stream().noneMatch(p -> p.getClass().getName().equals(cls))) {
                list.add(provider);
            }
        }
        Comparator<P> order = Comparator.<P>comparingInt(priorityOf)
                .reversed()
                .thenComparing(p -> p.getClass().getName());
        Map<String, P> winners = new LinkedHashMap<>();
        for (Map.Entry<String, List<P>> e : byName.entrySet()) {
            List<P> list = e.getValue();
            list.sort(order);
            if (list.size() > 1 && priorityOf.applyAsInt(list.get(0)) == priorityOf.applyAsInt(list.get(1))) {
                Set<String> tied = new TreeSet<>();
                int top = priorityOf.applyAsInt(list.get(0));
                for (P p : list) {
                    if (priorityOf.applyAsInt(p) == top) {
                        tied.add(p.getClass().getName());
                    }
                }
                throw new IllegalStateException(kind + " '" + e.getKey() + "': providers " + tied
                        + " have the same priority " + top
                        + " (expected: one provider with the highest priority per name)");
            }
            winners.put(e.getKey(), list.get(0));
        }
        return java.util.Collections.unmodifiableMap(winners);
    }

    @Override
    public String toString() {
        return "ProviderRegistry{strategies=" + strategies.keySet() + ", probes=" + probes.keySet() + ", sources="
                + sources.keySet() + '}';
    }
}
