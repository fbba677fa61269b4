package org.gpusched.sim.check;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Objects;

/**
 * Checks many random scenarios in a row: seeds {@code firstSeed, firstSeed + 1, ...} until a
 * number of scenarios or a wall-clock budget is used up, reporting each result to a listener.
 * Meant for long soak runs (a command line) as well as for test suites.
 */
public final class Soak {

    private Soak() {
    }

    /**
     * What to run.
     *
     * @param firstSeed            the first seed
     * @param maxScenarios         stop after this many scenarios
     * @param maxWallTime          stop starting scenarios after this much wall-clock time (null: no limit)
     * @param config               scenario sizes
     * @param determinismEvery     run every n-th scenario twice and compare (0: never)
     * @param stopAtFirstFailure   stop after the first scenario with violations
     */
    public record Options(long firstSeed, long maxScenarios, Duration maxWallTime, ScenarioConfig config,
                          int determinismEvery, boolean stopAtFirstFailure) {

        /** Validates. */
        public Options {
            Objects.requireNonNull(config, "config");
            if (maxScenarios < 0 || determinismEvery < 0) {
                throw new IllegalArgumentException("counts must not be negative");
            }
        }

        /** {@code count} scenarios from {@code firstSeed}, default sizes, no time limit. */
        public static Options scenarios(long firstSeed, long count) {
            return new Options(firstSeed, count, null, ScenarioConfig.defaults(), 0, false);
        }

        /** As many scenarios from {@code firstSeed} as fit in {@code wallTime}, default sizes. */
        public static Options until(long firstSeed, Duration wallTime) {
            return new Options(firstSeed, Long.MAX_VALUE, wallTime, ScenarioConfig.defaults(), 0, false);
        }

        /** A copy with other scenario sizes. */
        public Options withConfig(ScenarioConfig c) {
            return new Options(firstSeed, maxScenarios, maxWallTime, c, determinismEvery, stopAtFirstFailure);
        }

        /** A copy that runs every n-th scenario twice to compare fingerprints. */
        public Options withDeterminismEvery(int n) {
            return new Options(firstSeed, maxScenarios, maxWallTime, config, n, stopAtFirstFailure);
        }

        /** A copy that stops (or not) after the first failing scenario. */
        public Options withStopAtFirstFailure(boolean stop) {
            return new Options(firstSeed, maxScenarios, maxWallTime, config, determinismEvery, stop);
        }
    }

    /**
     * Totals so far.
     *
     * @param scenarios  scenarios run
     * @param failed     scenarios with violations
     * @param jobs       planned jobs, summed
     * @param faults     faults that fired, summed
     * @param events     dispatcher events, summed
     * @param wallNanos  wall-clock time used
     * @param counts   outcomes and paths, summed over the scenarios (see {@link RunResult#counts()})
     * @param failures   the failing results (the first {@value #FAILURES_KEPT})
     */
    public record Summary(long scenarios, long failed, long jobs, long faults, long events, long wallNanos,
                          Map<String, Long> counts, List<RunResult> failures) {

        /** Copies the collections. */
        public Summary {
            counts = Collections.unmodifiableMap(new TreeMap<>(counts));
            failures = List.copyOf(failures);
        }

        /** True if no scenario failed. */
        public boolean ok() {
            return failed == 0;
        }

        /** One line of totals. */
        @Override
        public String toString() {
            return String.format("%d scenarios, %d failed, %d jobs, %d faults, %d events in %.1f s; counts %s",
                    scenarios, failed, jobs, faults, events, wallNanos / 1e9, counts);
        }
    }

    /** Receives each result with the totals including it (called on the running thread). */
    @FunctionalInterface
    public interface Listener {
        /** One scenario was checked. */
        void onResult(RunResult result, Summary soFar);
    }

    /** Failing results kept in a {@link Summary}. */
    public static final int FAILURES_KEPT = 20;

    /** Runs the scenarios described by {@code options}. */
    public static Summary run(Options options, Listener listener) {
        Objects.requireNonNull(listener, "listener");
        long start = System.nanoTime();
        long deadline = options.maxWallTime() == null ? Long.MAX_VALUE : start + options.maxWallTime().toNanos();
        long scenarios = 0;
        long failed = 0;
        long jobs = 0;
        long faults = 0;
        long events = 0;
        List<RunResult> failures = new ArrayList<>();
        Map<String, Long> counts = new TreeMap<>();
        Summary summary = new Summary(0, 0, 0, 0, 0, 0, counts, failures);
        while (scenarios < options.maxScenarios() && System.nanoTime() - deadline < 0) {
            long seed = options.firstSeed() + scenarios;
            boolean twice = options.determinismEvery() > 0 && scenarios % options.determinismEvery() == 0;
            RunResult r = twice ? InvariantRun.runTwice(seed, options.config()) : InvariantRun.run(seed, options.config());
            scenarios++;
            jobs += r.jobs();
            faults += r.faultsInjected();
            events += r.eventsRun();
            r.counts().forEach((k, n) -> counts.merge(k, (long) n, Long::sum));
            if (!r.ok()) {
                failed++;
                if (failures.size() < FAILURES_KEPT) {
                    failures.add(r);
                }
            }
            summary = new Summary(scenarios, failed, jobs, faults, events, System.nanoTime() - start, counts, failures);
            listener.onResult(r, summary);
            if (!r.ok() && options.stopAtFirstFailure()) {
                break;
            }
        }
        return summary;
    }
}
