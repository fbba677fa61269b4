package org.gpusched.sim.check;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects readable violations of one run, each naming the seed, the subject (a job, a
 * scheduler, an entity) and the rule. Keeps the first {@value #PER_RULE} of each rule and
 * {@value #MAX_KEPT} in all, and counts the rest, so that one bug repeated on every job neither
 * drowns the report nor hides a rarer one.
 */
final class Violations {

    static final int PER_RULE = 10;
    static final int MAX_KEPT = 100;

    private final long seed;
    private final List<String> kept = new ArrayList<>();
    private final Map<String, Integer> perRule = new HashMap<>();
    private int dropped;

    Violations(long seed) {
        this.seed = seed;
    }

    void add(String subject, String rule, String detail) {
        int n = perRule.merge(rule, 1, Integer::sum);
        if (n <= PER_RULE && kept.size() < MAX_KEPT) {
            kept.add("seed " + seed + ": " + subject + ": " + rule + (detail.isEmpty() ? "" : ": " + detail));
        } else {
            dropped++;
        }
    }

    List<String> list() {
        List<String> all = new ArrayList<>(kept);
        if (dropped > 0) {
            all.add("seed " + seed + ": ... and " + dropped + " more violations of the rules above");
        }
        return all;
    }
}
