package org.gpusched.cli;

import java.nio.file.Path;
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
