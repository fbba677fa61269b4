package org.gpusched.sim.check;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the checks of one run found: the violations (readable, naming the seed, the subject and
 * the rule) and how often the run took each path worth covering.
 */
final class Findings {

    private final Violations violations;
    private final Map<String, Integer> paths = new TreeMap<>();

    Findings(long seed) {
        this.violations = new Violations(seed);
    }

    void violation(JobRecord r, String rule, String detail) {
        violations.add(r.name() + " " + r.plan.describe(), rule, detail);
    }

    void violation(SchedulerTrack t, String rule, String detail) {
        violations.add(t.name(), rule, detail);
    }

    void violation(String subject, String rule, String detail) {
        violations.add(subject, rule, detail);
    }

    /** Counts one more pass through {@code name}. */
    void path(String name) {
        paths.merge(name, 1, Integer::sum);
    }

    Map<String, Integer> paths() {
        return paths;
    }

    List<String> violations() {
        return violations.list();
    }
}
