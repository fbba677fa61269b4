package org.gpusched.sim.soak;

import java.util.Objects;

/**
 * One broken invariant, with what is needed to find it again.
 *
 * @param seed   the soak's seed
 * @param round  the round in which it was seen
 * @param job    the job concerned ({@code entity#seqno (id N)}), or the scheduler or entity
 * @param rule   the invariant, in words
 * @param detail what was seen instead
 */
public record Violation(long seed, int round, String job, String rule, String detail) {

    /** Validates. */
    public Violation {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
        return "seed " + seed + " round " + round + " " + job + ": " + rule + (detail.isEmpty() ? "" : " -- " + detail);
    }
}
