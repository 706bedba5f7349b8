package org.reverl.server;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code reverl}: the command line. {@code reverl demo} needs nothing; {@code reverl run --config F} starts the proxy;
 * {@code reverl check --config F} validates a file. Exit codes: 0 success (and a graceful stop), 1 the server failed,
 * 2 invalid command line or configuration.
 */
@Command(
        name = "reverl",
        mixinStandardHelpOptions = true,
        version = "reverl " + ReverlServer.VERSION,
        description = "Reverse proxy, load balancer and HTTPS front-end.",
        subcommands = {RunCommand.class, CheckCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
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
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (expected: run, check or demo)");
    }
}
