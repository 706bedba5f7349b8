package org.reverl.server;

/** The exit statuses of {@code reverl}, for scripts. */
final class ExitCodes {

    /** Success; also a graceful stop on SIGTERM or Ctrl-C. */
    static final int OK = 0;
    /** The server could not start or failed while running (e.g. its port is taken). */
    static final int FAILURE = 1;
    /** Invalid command line or configuration: nothing was started. */
    static final int USAGE = 2;

    private ExitCodes() {}
}
