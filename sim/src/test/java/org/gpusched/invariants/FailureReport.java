package org.gpusched.invariants;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.gpusched.sim.check.RunResult;
import org.gpusched.sim.check.ScenarioConfig;
import org.gpusched.sim.check.Soak;

/**
 * Collects what a batch of checked scenarios broke, for an assertion message: every failing
 * seed, how often each rule broke, and the first failure in full with the call that replays it.
 */
final class FailureReport implements Soak.Listener {

    private static final int SEEDS_LISTED = 60;

    private final ScenarioConfig config;
    private final List<Long> seeds = new ArrayList<>();
    private final Map<String, Integer> rules = new TreeMap<>();
    private RunResult first;
    private long failed;
    private long scenarios;

    FailureReport(ScenarioConfig config) {
        this.config = config;
    }

    @Override
    public void onResult(RunResult r, Soak.Summary soFar) {
        scenarios++;
        if (r.ok()) {
            return;
        }
        failed++;
        if (first == null) {
            first = r;
        }
        if (seeds.size() < SEEDS_LISTED) {
            seeds.add(r.seed());
        }
        for (String v : r.violations()) {
            String[] parts = v.split(": ", 4); // seed, subject, rule, detail
            if (parts.length >= 3 && !parts[1].startsWith("...")) {
                rules.merge(parts[2], 1, Integer::sum);
            }
        }
    }

    @Override
    public String toString() {
        if (first == null) {
            return "no scenario failed";
        }
        StringBuilder b = new StringBuilder().append(failed).append(" of ").append(scenarios)
                .append(" scenarios broke invariants (").append(config).append(")\nfailing seeds: ").append(seeds)
                .append(failed > seeds.size() ? " ..." : "")
                .append("\nrules broken (violations counted; a scenario keeps 10 per rule):");
        rules.forEach((rule, n) -> b.append("\n  ").append(n).append("  ").append(rule));
        b.append("\nfirst failure:\n").append(first.summary()).append('\n').append(first.scenario());
        first.violations().stream().limit(10).forEach(v -> b.append("\n  ").append(v));
        b.append("\nreplay it with a trace: InvariantRun.diagnose(").append(first.seed()).append("L, config)");
        return b.toString();
    }
}
