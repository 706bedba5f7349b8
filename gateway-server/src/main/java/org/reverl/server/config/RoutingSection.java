package org.reverl.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.reverl.gateway.http.Router;

/**
 * The routing table of a configuration file: {@code routes}, {@code defaultPool} and {@code routing}, checked against
 * the pools the file defines.
 */
final class RoutingSection {

    private RoutingSection() {}

    /**
     * {@code routes: [ { host, path, method, header: { name, value }, pool } ]}, {@code defaultPool} and {@code
     * routing: { noMatch: 404 }}. Without routes and a default pool, a single pool takes every request; several pools
     * need one or the other.
     */
    static ReverlConfig.Routing routing(TreeReader r, TreeReader.Obj top, Set<String> pools, boolean poolsForm) {
        List<org.reverl.gateway.http.Route> routes = new ArrayList<>();
        boolean complete = true;
        for (TreeReader.Obj o : top.objects("routes")) {
            org.reverl.gateway.http.Route route = route(r, o, pools);
            complete &= route != null;
            if (route != null) {
                routes.add(route);
            }
        }
        String defaultPool = top.string("defaultPool", null);
        TreeReader.Obj routing = top.obj("routing");
        int noMatch = routing.integer("noMatch", Router.DEFAULT_NO_MATCH_STATUS, 400, 599);
        routing.rejectUnknownKeys();
        if (defaultPool == null && !top.has("routes")) {
            if (pools.size() == 1) {
                defaultPool = pools.iterator().next();
            } else if (poolsForm && !pools.isEmpty()) {
                r.error("routes", "missing", "routes to the pools " + pools + ", or a defaultPool");
            }
        }
        if (complete) {
            r.errors().addAll(Router.problems(routes, pools, defaultPool));
        }
        return new ReverlConfig.Routing(routes, defaultPool, noMatch);
    }

    /** One route, or {@code null} if it has errors (reported). */
    static org.reverl.gateway.http.Route route(TreeReader r, TreeReader.Obj o, Set<String> pools) {
        org.reverl.gateway.http.Route.Builder b = org.reverl.gateway.http.Route.builder();
        int before = r.errors().size();
        String host = o.string("host", null);
        String path = o.string("path", null);
        String method = o.string("method", null);
        String headerName = null;
        String headerValue = null;
        if (o.has("header")) {
            TreeReader.Obj h = o.obj("header");
            headerName = h.requiredString("name", "a field name such as X-Canary");
            headerValue = h.requiredString("value", "the value the field must have");
            h.rejectUnknownKeys();
        }
        String pool = o.requiredString("pool", "one of " + pools);
        o.rejectUnknownKeys();
        try {
            if (host != null) {
                b.host(host);
            }
            if (path != null) {
                b.path(path);
            }
            if (method != null) {
                b.method(method);
            }
            if (headerName != null && headerValue != null) {
                b.header(headerName, headerValue);
            }
            if (pool != null) {
                b.pool(pool);
            }
        } catch (IllegalArgumentException e) {
            r.errors().add(o.path + '.' + e.getMessage());
        }
        return r.errors().size() == before ? b.build() : null;
    }
}
