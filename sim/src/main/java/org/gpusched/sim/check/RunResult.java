package org.gpusched.sim.check;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of one checked run of a {@link RandomScenario}.
 *
 * @param seed            the scenario's seed
 * @param jobs            planned jobs
 * @param submitted       jobs accepted by {@code submit}
 * @param rejected        submissions refused (closed entity or scheduler)
 * @param faultsInjected  faults that fired (backend faults and lost devices)
 * @param fingerprint     hash of everything observed, with virtual times; equal for equal runs
 * @param eventsRun       dispatcher events run
 * @param endNanos        virtual time at the end
 * @param violations      readable violations, each naming the seed, the subject and the rule
 * @param counts          how the jobs ended ({@code end.OK}, {@code end.ESRCH}, ...,
 *                        {@code end.refused}) and how often the run took paths worth covering
 *                        ({@code path.timeout}, {@code path.pipelined}, ...)
 * @param traceTail       the last lines of the readable trace, when it was asked for
 * @param scenario        a one-line description of the scenario
 */
public record RunResult(long seed, int jobs, int submitted, int rejected, int faultsInjected, long fingerprint,
                        long eventsRun, long endNanos, List<String> violations, Map<String, Integer> counts,
                        List<String> traceTail,
                        String scenario) {

    /** Copies the lists. */
    public RunResult {
        violations = List.copyOf(violations);
        counts = Collections.unmodifiableMap(new TreeMap<>(counts));
        traceTail = List.copyOf(traceTail);
    }

    /** True if no invariant was violated. */
    public boolean ok() {
        return violations.isEmpty();
    }

    /** One line: seed, sizes, fingerprint and the number of violations. */
    public String summary() {
        return String.format("seed %d: %d jobs (%d submitted, %d refused), %d faults, %d events, end %.3f ms, "
                        + "fingerprint %016x, counts %s, %s", seed, jobs, submitted, rejected, faultsInjected, eventsRun,
                endNanos / 1e6, fingerprint, counts, ok() ? "ok" : violations.size() + " violations");
    }

    /** The summary, the scenario and every violation, one per line. */
    public String report() {
        StringBuilder b = new StringBuilder(summary()).append('\n').append(scenario);
        for (String v : violations) {
            b.append("\n  ").append(v);
        }
        if (!traceTail.isEmpty()) {
            b.append("\n  trace (last ").append(traceTail.size()).append(" lines):");
            for (String l : traceTail) {
                b.append("\n    ").append(l);
            }
        }
        return b.toString();
    }
}
