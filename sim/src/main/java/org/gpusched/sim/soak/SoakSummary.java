package org.gpusched.sim.soak;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The totals of a soak (or of its part so far).
 *
 * @param seed        the seed the rounds' configurations came from
 * @param rounds      rounds completed and checked
 * @param jobs        jobs submitted and accepted
 * @param refused     submissions refused (closed entity or scheduler)
 * @param outcomes    finished jobs by the error their finished fence carried ({@code OK}, errno names)
 * @param faults      faults injected, by kind
 * @param actions     chaos actions (priority changes, closes, device losses, out-of-order completions, ...)
 * @param violations  invariant violations found
 * @param first       the first violations, in full
 * @param failedRounds the configurations of the first rounds with violations
 * @param wallNanos   wall-clock time since the soak started
 * @param aborted     whether the soak stopped early (a round did not finish tearing down)
 */
public record SoakSummary(long seed, long rounds, long jobs, long refused, Map<String, Long> outcomes,
                          Map<FaultKind, Long> faults, Map<String, Long> actions, long violations,
                          List<Violation> first, List<String> failedRounds, long wallNanos, boolean aborted) {

    /** Copies the collections. */
    public SoakSummary {
        outcomes = Collections.unmodifiableMap(new TreeMap<>(outcomes));
        faults = Collections.unmodifiableMap(faults.isEmpty() ? new EnumMap<>(FaultKind.class) : new EnumMap<>(faults));
        actions = Collections.unmodifiableMap(new TreeMap<>(actions));
        first = List.copyOf(first);
        failedRounds = List.copyOf(failedRounds);
    }

    /** True if no invariant was violated and the soak ran to its end. */
    public boolean ok() {
        return violations == 0 && !aborted;
    }

    /** Faults injected, all kinds together. */
    public long faultsTotal() {
        return faults.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Jobs whose finished fence signalled, all outcomes together. */
    public long finished() {
        return outcomes.values().stream().mapToLong(Long::longValue).sum();
    }

    /** One progress line. */
    public String progressLine() {
        return String.format(Locale.ROOT, "%d rounds, %d jobs, %d faults, %d violations, %.0f s",
                rounds, jobs, faultsTotal(), violations, wallNanos / 1e9);
    }

    /** The multi-line report. */
    public String report() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "soak from seed %d: %d rounds in %.1f s%s%n", seed, rounds, wallNanos / 1e9,
                aborted ? " (ABORTED: a round did not tear down)" : ""));
        b.append(String.format(Locale.ROOT, "jobs submitted: %d (%d more refused: entity or scheduler closed)%n", jobs, refused));
        b.append("jobs finished by outcome: ").append(finished()).append('\n');
        outcomes.forEach((k, n) -> b.append(String.format(Locale.ROOT, "  %-10s %d%n", k, n)));
        b.append("faults injected: ").append(faultsTotal()).append('\n');
        faults.forEach((k, n) -> b.append(String.format(Locale.ROOT, "  %-20s %d%n", k, n)));
        b.append("chaos actions:\n");
        actions.forEach((k, n) -> b.append(String.format(Locale.ROOT, "  %-24s %d%n", k, n)));
        b.append("invariant violations: ").append(violations).append('\n');
        for (Violation v : first) {
            b.append("  ").append(v).append('\n');
        }
        if (violations > first.size()) {
            b.append("  ... ").append(violations - first.size()).append(" more\n");
        }
        for (String r : failedRounds) {
            b.append("failing ").append(r).append('\n');
        }
        return b.toString();
    }
}
