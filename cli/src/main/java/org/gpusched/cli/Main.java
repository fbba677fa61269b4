package org.gpusched.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code gpusched} command: entry point of the launcher script.
 *
 * <p>Exit status: 0 success, 1 a check failed (for example an invariant violation), 2 bad
 * usage or bad input.
 */
@Command(name = "gpusched",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "A GPU job scheduler with a simulated GPU: run scheduling checks and experiments.",
        subcommands = {RunCommand.class, CompareCommand.class, CheckCommand.class, SoakCommand.class, DevicesCommand.class,
            SdkCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (also used by tests). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // Invalid usage already exits with 2 (CommandLine.ExitCode.USAGE). An unexpected
        // failure inside a command is reported in one line, not as a stack trace.
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("gpusched: " + ex);
            return 2;
        });
        return cl;
    }

    /** Reports the version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"gpusched " + (v == null ? "(development build)" : v),
                    "Java " + Runtime.version()};
        }
    }
}
