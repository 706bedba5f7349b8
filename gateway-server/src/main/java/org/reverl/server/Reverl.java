package org.reverl.server;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code reverl}: the command line. {@code reverl run ...} starts the proxy. */
@Command(
        name = "reverl",
        mixinStandardHelpOptions = true,
        version = "reverl 0.1.0",
        description = "Reverse proxy, load balancer and HTTPS front-end.",
        subcommands = {RunCommand.class, CommandLine.HelpCommand.class})
public final class Reverl implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    static CommandLine newCommandLine() {
        return new CommandLine(new Reverl());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (expected: run)");
    }
}
