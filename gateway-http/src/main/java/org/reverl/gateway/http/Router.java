package org.reverl.gateway.http;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.reverl.gateway.api.Checks;

/**
 * Picks the pool of each request: the first {@link Route} that matches, in order, names it; when none does, the
 * default pool takes the request, or without one the request is answered with the no-match status ({@code 404}
 * unless set) and no backend sees it.
 *
 * <p>The rules are checked when the router is built: every route names a known pool, and no route is shadowed by an
 * earlier one (placed where it can never match). {@link #problems} returns the same findings as lines, for a
 * configuration loader to report with its others.
 *
 * <p>Immutable and thread-safe; {@link #route} allocates nothing. A running proxy swaps its router atomically
 * ({@link HttpProxyServer#route(Router)}): each request is routed by the router current when its head arrived.
 *
 * @since 0.3
 */
public final class Router {

    /** The default status of a request that no route matches. */
    public static final int DEFAULT_NO_MATCH_STATUS = 404;

    private final Route[] routes;
    private final ProxyPool[] targets;
    private final ProxyPool defaultPool;
    private final int noMatchStatus;
    private final Map<String, ProxyPool> pools;
    private final boolean matchesFields;

    private Router(List<Route> routes, Map<String, ProxyPool> pools, ProxyPool defaultPool, int noMatchStatus) {
        this.routes = routes.toArray(new Route[0]);
        this.matchesFields = routes.stream().anyMatch(r -> r.headerName() != null);
        this.targets = new ProxyPool[this.routes.length];
        for (int i = 0; i < this.routes.length; i++) {
            targets[i] = pools.get(this.routes[i].pool());
        }
        this.pools = pools;
        this.defaultPool = defaultPool;
        this.noMatchStatus = noMatchStatus;
    }

    /** A router that sends every request to {@code pool}. */
    public static Router single(ProxyPool pool) {
        return builder().pool(pool).defaultPool(pool.name()).build();
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The pool of a request, or {@code null} when no route matches and there is no default pool.
     *
     * @param method the request method
     * @param authority the {@code Host} field, or {@code null} when the request has none
     * @param uri the request target in origin form
     * @param headers the request's fields
     */
    public ProxyPool route(String method, CharSequence authority, String uri, HttpHeaders headers) {
        Route[] rs = routes;
        int hostEnd = authority == null ? 0 : Route.hostEnd(authority);
        for (int i = 0; i < rs.length; i++) {
            if (rs[i].matches(method, authority, hostEnd, uri, headers)) {
                return targets[i];
            }
        }
        return defaultPool;
    }

    /**
     * Whether a route matches on a request field: if not, {@link #route} never reads the fields, and a caller holding
     * a request's head as bytes need not parse them for it.
     */
    public boolean matchesFields() {
        return matchesFields;
    }

    /** The status of a request no route matches, when there is no default pool. */
    public int noMatchStatus() {
        return noMatchStatus;
    }

    /** The routes, in order. */
    public List<Route> routes() {
        return List.of(routes);
    }

    /** The pools by name, in the order they were added. */
    public Map<String, ProxyPool> pools() {
        return pools;
    }

    /** The pool that takes what no route matches, or {@code null}. */
    public ProxyPool defaultPool() {
        return defaultPool;
    }

    /**
     * What is wrong with a routing table, one line each with the path of the setting, the value and what was expected,
     * e.g. {@code routes[2].pool: "api" (expected: one of [web, static])} or {@code routes[3]: host www.example.com
     * (expected: a route that can match; routes[1] (host *.example.com) takes every request it would)}. Empty when the
     * table is sound.
     *
     * @param routes the routes, in order
     * @param pools the names of the pools
     * @param defaultPool the pool of what no route matches, or {@code null}
     */
    public static List<String> problems(List<Route> routes, Collection<String> pools, String defaultPool) {
        List<String> problems = new ArrayList<>();
        Set<String> names = Set.copyOf(pools);
        String known = "one of " + pools;
        for (int i = 0; i < routes.size(); i++) {
            Route r = routes.get(i);
            if (!names.contains(r.pool())) {
                problems.add(Checks.message("routes[" + i + "].pool", '"' + r.pool() + '"', known));
            }
            for (int j = 0; j < i; j++) {
                if (routes.get(j).covers(r)) {
                    problems.add(Checks.message(
                            "routes[" + i + "]",
                            r.describe(),
                            "a route that can match; routes[" + j + "] ("
                                    + routes.get(j).describe() + ") takes every request it would"));
                    break;
                }
            }
        }
        if (defaultPool != null) {
            if (!names.contains(defaultPool)) {
                problems.add(Checks.message("defaultPool", '"' + defaultPool + '"', known));
            }
            for (int j = 0; j < routes.size(); j++) {
                if (routes.get(j).matchesAll()) {
                    problems.add(Checks.message(
                            "defaultPool",
                            '"' + defaultPool + '"',
                            "no defaultPool, or no route without matchers; routes[" + j
                                    + "] takes every request already"));
                    break;
                }
            }
        }
        return problems;
    }

    @Override
    public String toString() {
        return "Router" + List.of(routes)
                + (defaultPool == null ? " else " + noMatchStatus : " else " + defaultPool.name());
    }

    /** Builds a {@link Router}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, ProxyPool> pools = new LinkedHashMap<>();
        private final List<Route> routes = new ArrayList<>();
        private String defaultPool;
        private int noMatchStatus = DEFAULT_NO_MATCH_STATUS;

        private Builder() {}

        /**
         * Adds a pool.
         *
         * @throws IllegalArgumentException if a pool of that name was added already
         */
        public Builder pool(ProxyPool pool) {
            requireNonNull(pool, "pool");
            if (pools.putIfAbsent(pool.name(), pool) != null) {
                throw new IllegalArgumentException(
                        Checks.message("pool", '"' + pool.name() + '"', "a name not used by another pool"));
            }
            return this;
        }

        /** Adds a route after the ones added so far. */
        public Builder route(Route route) {
            routes.add(requireNonNull(route, "route"));
            return this;
        }

        /** The pool of the requests no route matches; by default, none: they get the no-match status. */
        public Builder defaultPool(String name) {
            this.defaultPool = requireNonNull(name, "name");
            return this;
        }

        /**
         * The status of a request no route matches, without a default pool. Default {@value #DEFAULT_NO_MATCH_STATUS}.
         *
         * @throws IllegalArgumentException unless 400-599
         */
        public Builder noMatchStatus(int status) {
            this.noMatchStatus = Checks.inRange("noMatchStatus", status, 400, 599);
            return this;
        }

        /**
         * Builds the router.
         *
         * @throws IllegalArgumentException with the first of {@link #problems}
         */
        public Router build() {
            List<String> found = problems(routes, pools.keySet(), defaultPool);
            if (!found.isEmpty()) {
                throw new IllegalArgumentException(found.get(0));
            }
            return new Router(
                    routes,
                    java.util.Collections.unmodifiableMap(new LinkedHashMap<>(pools)),
                    defaultPool == null ? null : pools.get(defaultPool),
                    noMatchStatus);
        }
    }
}
