package org.reverl.server;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.reverl.gateway.core.ProviderRegistry;
import org.reverl.server.config.ConfigException;
import org.reverl.server.config.ConfigLoader;
import org.reverl.server.config.ReverlConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code reverl check --config F}: validates a configuration file and exits; 0 when valid, 2 with every error. */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = "Validates a configuration file, reports every error at once, and exits (0 valid, 2 invalid).")
final class CheckCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The YAML configuration file.")
    Path config;

    @Override
    public Integer call() {
        try {
            ReverlConfig c = new ConfigLoader(ProviderRegistry.load()).load(config);
            if (c.pools().size() > 1) {
                int backends = 0;
                for (ReverlConfig.Pool p : c.pools().values()) {
                    backends += p.backends().size();
                }
                spec.commandLine()
                        .getOut()
                        .printf(
                                "%s: OK: %d listener(s), %d pools %s with %d backend(s), %d route(s), default pool %s%n",
                                config,
                                c.listeners().size(),
                                c.pools().size(),
                                c.pools().keySet(),
                                backends,
                                c.routing().routes().size(),
                                c.routing().defaultPool() == null
                                        ? "none (no match: " + c.routing().noMatchStatus() + ")"
                                        : c.routing().defaultPool());
                return ExitCodes.OK;
            }
            spec.commandLine()
                    .getOut()
                    .printf(
                            "%s: OK: %d listener(s), %d backend(s), strategy %s, %s%s%n",
                            config,
                            c.listeners().size(),
                            c.backends().size(),
                            c.gateway().strategy(),
                            c.gateway().healthCheck() == null
                                    ? "no active health checks"
                                    : "health probe "
                                            + c.gateway().healthCheck().probe(),
                            c.discovery() == null
                                    ? ""
                                    : ", backends also from discovery "
                                            + c.discovery().source());
            return ExitCodes.OK;
        } catch (ConfigException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return ExitCodes.USAGE;
        }
    }
}
