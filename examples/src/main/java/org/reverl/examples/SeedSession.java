package org.reverl.examples;

import java.io.PrintStream;
import java.util.stream.Collectors;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.Gateway;
import org.reverl.gateway.core.Gateways;
import org.reverl.gateway.core.LocalBackend;

/**
 * The seed's Erlang session ({@code gproxy3}) on Reverl: three backends from functions, a round-robin gateway over
 * them, a backend added, one deleted, the list, and a backend stopped while calls go on. Prints each step next to the
 * Erlang line it reproduces.
 */
public final class SeedSession {

    private SeedSession() {}

    public static void main(String[] args) {
        run(System.out);
    }

    /** Runs the session, printing to {@code out}; returns normally only if every step gave the seed's answer. */
    static void run(PrintStream out) {
        LocalBackend<Integer, Integer> s1 = LocalBackend.start("b1", x -> 2 * x);
        LocalBackend<Integer, Integer> s2 = LocalBackend.start("b2", x -> 3 * x);
        LocalBackend<Integer, Integer> s3 = LocalBackend.start("b3", x -> 4 * x);
        LocalBackend<Integer, Integer> s4 = LocalBackend.start("b4", x -> 5 * x);
        out.println("2-4> S1..S3 = start_be(fun(X) -> 2*X, 3*X, 4*X end)   started b1, b2, b3");
        try (Gateway<Integer, Integer> g = Gateways.<Integer, Integer>builder()
                .backend(s1)
                .backend(s2)
                .backend(s3)
                .build()) {
            out.println("5> G = start_gw([S1,S2,S3])                          " + ids(g));
            for (int i = 6; i <= 8; i++) {
                out.println(i + "> rpc(G, 21)                                       " + g.callBlocking(21));
            }
            g.add(s4);
            out.println("9-10> add_be(G, S4)                                  added b4");
            g.remove("b2");
            out.println("11> del_be(G, S2)                                    removed b2");
            out.println("12> list_be(G)                                       " + ids(g));
            s1.stop();
            out.println("13> stop(S1)                                         stopped b1");
            for (int i = 14; i <= 17; i++) {
                out.println(i + "> rpc(G, 21)                                      " + g.callBlocking(21));
            }
            out.println("list_be(G)                                           "
                    + g.backends().stream().map(b -> b.id() + " " + b.state()).collect(Collectors.joining(", ")));
        } finally {
            s1.stop();
            s2.stop();
            s3.stop();
            s4.stop();
        }
    }

    private static String ids(Gateway<?, ?> g) {
        return g.backends().stream().map(Backend::id).collect(Collectors.joining(", ", "[", "]"));
    }
}
