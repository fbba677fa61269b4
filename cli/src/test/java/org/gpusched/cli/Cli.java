package org.gpusched.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/** Runs the {@code gpusched} command line in this JVM and captures what it prints. */
final class Cli {

    private Cli() {
    }

    /**
     * What one command printed and returned.
     *
     * @param status exit status
     * @param out    standard output
     * @param err    standard error
     */
    record Outcome(int status, String out, String err) {
    }

    static Outcome gpusched(String... args) {
        System.setProperty("java.awt.headless", "true");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int status = cl.execute(args);
        return new Outcome(status, out.toString(), err.toString());
    }

    /** Writes {@code yaml} to {@code name} in {@code dir}. */
    static Path file(Path dir, String name, String yaml) {
        try {
            return Files.writeString(dir.resolve(name), yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The repository's examples directory (tests run in the module directory). */
    static Path examples() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isDirectory(dir.resolve("examples")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir.resolve("examples");
            }
            dir = dir.getParent();
        }
        throw new AssertionError("no examples directory above " + Path.of("").toAbsolutePath());
    }
}
