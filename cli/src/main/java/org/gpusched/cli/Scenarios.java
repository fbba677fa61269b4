package org.gpusched.cli;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.Recording;
import org.gpusched.sched.Policy;
import org.gpusched.sim.scenario.Scenario;
import org.gpusched.sim.scenario.ScenarioException;
import org.gpusched.sim.scenario.ScenarioParser;

/** Loading scenario files and starting JFR recordings, shared by the lab commands. */
final class Scenarios {

    private Scenarios() {
    }

    /**
     * Parses {@code file}, applying a {@code --policy} override if given.
     *
     * @throws ScenarioException with file, line and field for any problem, including a bad
     *                           override
     */
    static Scenario load(Path file, String policyOverride) throws ScenarioException {
        Scenario sc = ScenarioParser.parse(file);
        if (policyOverride == null) {
            return sc;
        }
        Policy p = RunCommand.parsePolicy(policyOverride);
        if (p == null) {
            throw new ScenarioException("--policy", 0, null,
                    "unknown policy '" + policyOverride + "'; use fifo, rr or fair");
        }
        return sc.withPolicy(p);
    }

    /** The reason java.io appends to the path in a FileNotFoundException's message. */
    private static final Pattern IO_REASON = Pattern.compile(".* \\(([^()]+)\\)");

    /**
     * One line for an output file that could not be written: the path and why, in words
     * (the exceptions' own messages often repeat the path and leave out the reason).
     */
    static String cannotWrite(Path file, IOException e) {
        String why = e.getMessage();
        if (e instanceof NoSuchFileException) {
            why = "its directory does not exist";
        } else if (e instanceof AccessDeniedException) {
            why = "permission denied";
        } else if (e instanceof FileSystemException fse && fse.getReason() != null) {
            why = fse.getReason();
        } else if (e instanceof FileNotFoundException && why != null) {
            Matcher m = IO_REASON.matcher(why);
            if (m.matches()) {
                why = m.group(1).equals("No such file or directory") ? "its directory does not exist" : m.group(1);
            }
        }
        return "cannot write " + file + ": " + why;
    }

    /** Starts a recording of the scheduler's JFR events. */
    static Recording startRecording() {
        Recording r = new Recording();
        r.setName("gpusched");
        r.enable("org.gpusched.JobState");
        r.setToDisk(true);
        r.start();
        return r;
    }
}
