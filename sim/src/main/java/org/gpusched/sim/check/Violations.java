package org.gpusched.sim.check;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects readable violations of one run, each naming the seed, the subject (a job, a
 * scheduler, an entity) and the rule. Keeps the first {@value #MAX_KEPT} and counts the rest,
 * so that one bug repeated on every job does not drown the report.
 */
final class Violations {

    static final int MAX_KEPT = 40;

    private final long seed;
    private final List<String> kept = new ArrayList<>();
    private int dropped;

    Violations(long seed) {
        this.seed = seed;
    }

    void add(String subject, String rule, String detail) {
        if (kept.size() < MAX_KEPT) {
            kept.add("seed " + seed + ": " + subject + ": " + rule + (detail.isEmpty() ? "" : ": " + detail));
        } else {
            dropped++;
        }
    }

    boolean isEmpty() {
        return kept.isEmpty();
    }

    List<String> list() {
        List<String> all = new ArrayList<>(kept);
        if (dropped > 0) {
            all.add("seed " + seed + ": ... and " + dropped + " more violations");
        }
        return all;
    }
}
