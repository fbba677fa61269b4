package org.gpusched.sim.check;

import java.util.ArrayList;
import java.util.List;

/**
 * Entry point for checking the scheduler's invariants on random scenarios: one seed at a time
 * ({@link #run(long)}), a seed twice to check determinism ({@link #runTwice}), or many seeds
 * through {@link Soak}.
 */
public final class InvariantRun {

    private InvariantRun() {
    }

    /** Generates and checks the scenario of {@code seed} with the default sizes. */
    public static RunResult run(long seed) {
        return run(seed, ScenarioConfig.defaults());
    }

    /** Generates and checks the scenario of {@code seed}. */
    public static RunResult run(long seed, ScenarioConfig config) {
        return RandomScenario.generate(seed, config).run(false);
    }

    /**
     * Like {@link #run(long, ScenarioConfig)}, keeping the end of a readable trace in the result:
     * for a failing seed.
     */
    public static RunResult diagnose(long seed, ScenarioConfig config) {
        return RandomScenario.generate(seed, config).run(true);
    }

    /**
     * Checks the scenario of {@code seed} twice; a difference in the fingerprint, the number of
     * dispatcher events or the end time is added to the first result's violations.
     */
    public static RunResult runTwice(long seed, ScenarioConfig config) {
        RandomScenario scenario = RandomScenario.generate(seed, config);
        RunResult first = scenario.run(false);
        RunResult second = RandomScenario.generate(seed, config).run(false);
        if (first.fingerprint() == second.fingerprint() && first.eventsRun() == second.eventsRun()
                && first.endNanos() == second.endNanos()) {
            return first;
        }
        List<String> v = new ArrayList<>(first.violations());
        v.add(String.format("seed %d: run: the same seed gives the same run: fingerprint %016x vs %016x, events %d vs %d,"
                        + " end %dns vs %dns", seed, first.fingerprint(), second.fingerprint(), first.eventsRun(),
                second.eventsRun(), first.endNanos(), second.endNanos()));
        return new RunResult(first.seed(), first.jobs(), first.submitted(), first.rejected(), first.faultsInjected(),
                first.fingerprint(), first.eventsRun(), first.endNanos(), v, first.counts(), first.traceTail(),
                first.scenario());
    }
}
