package org.gpusched.cli;

import java.util.List;
import java.util.Locale;
import org.gpusched.sim.scenario.ScenarioResult;
import org.gpusched.sim.scenario.ScenarioResult.ClientResult;
import org.gpusched.sim.scenario.ScenarioResult.ProgressSample;
import org.gpusched.sim.scenario.ScenarioResult.SchedulerResult;

/**
 * The terminal report of a scenario run: a table per client, a one-line verdict per client and a
 * progress strip (one column per 100 ms). Plain text, no colours, fits 100 columns for a few
 * clients. Stateless.
 */
final class TextReport {

    private static final String BARS = " ▁▂▃▄▅▆▇█";

    private TextReport() {
    }

    static String render(ScenarioResult r) {
        StringBuilder b = new StringBuilder();
        b.append(r.scenario()).append(": policy ").append(r.policy()).append(", ")
                .append(r.mode().equals("virtual") ? "virtual time" : "real time").append(", makespan ")
                .append(ms(r.makespanUs())).append(" ms");
        if (!r.completed()) {
            b.append("  (NOT all clients finished)");
        }
        b.append('\n');
        for (SchedulerResult s : r.schedulers()) {
            b.append(String.format(Locale.ROOT, "  ring %-12s credit limit %d, %d jobs, busy %s ms (%.0f%% of makespan)%n",
                    s.name(), s.creditLimit(), s.jobs(), ms(s.busyUs()),
                    r.makespanUs() == 0 ? 0.0 : 100.0 * s.busyUs() / r.makespanUs()));
        }
        b.append(String.format(Locale.ROOT, "  fairness: Jain's index %.3f, avg max-min delta x100 = %d%n",
                r.fairness().jainIndex(), r.fairness().avgMaxMinDeltaX100()));
        if (r.turnaroundUs() != null) {
            b.append(String.format(Locale.ROOT, "  scheduler turnaround (hw fence -> next run): p50 %d us, p99 %d us, %d samples%n",
                    r.turnaroundUs().p50(), r.turnaroundUs().p99(), r.turnaroundUs().count()));
        }
        b.append('\n');
        int w = Math.max(6, r.clients().stream().mapToInt(c -> c.name().length()).max().orElse(6));
        b.append(String.format(Locale.ROOT, "%-" + w + "s %-6s %-4s %9s %6s %9s %9s %9s %6s %15s %15s %9s%n",
                "client", "prio", "sync", "cycles", "jobs", "elapsed", "ideal", "GPU", "share",
                "cycle avg/max", "latency p50/p99", "wait p99"));
        b.append(String.format(Locale.ROOT, "%-" + w + "s %-6s %-4s %9s %6s %9s %9s %9s %6s %15s %15s %9s%n",
                "", "", "", "", "", "ms", "ms", "ms", "", "ms", "ms", "ms"));
        for (ClientResult c : r.clients()) {
            b.append(String.format(Locale.ROOT, "%-" + w + "s %-6s %-4s %9s %6d %9s %9s %9s %5.0f%% %15s %15s %9s%n",
                    c.name(), c.priority(), c.sync() ? "yes" : "no", c.cyclesCompleted() + "/" + c.cyclesPlanned(),
                    c.jobsCompleted() + c.jobsFailed(), ms(c.elapsedUs()), ms(c.idealUs()), ms(c.gpuTimeUs()),
                    100 * c.gpuShare(), ms(c.cycleTimeUs().avg()) + "/" + ms(c.cycleTimeUs().max()),
                    ms(c.latencyUs().p50()) + "/" + ms(c.latencyUs().p99()), ms(c.jobWaitUs().p99())));
        }
        b.append('\n');
        for (ClientResult c : r.clients()) {
            b.append(String.format(Locale.ROOT, "%-" + w + "s %s%n", c.name(), c.verdict()));
        }
        b.append('\n').append("progress: cycles completed per 100 ms (each column is 100 ms; full = most in any column)\n");
        long peak = 1;
        for (ClientResult c : r.clients()) {
            List<ProgressSample> p = c.progress();
            for (int i = 1; i < p.size(); i++) {
                peak = Math.max(peak, p.get(i).cycles() - p.get(i - 1).cycles());
            }
        }
        for (ClientResult c : r.clients()) {
            b.append(String.format(Locale.ROOT, "%-" + w + "s |", c.name()));
            List<ProgressSample> p = c.progress();
            for (int i = 1; i < p.size(); i++) {
                long delta = p.get(i).cycles() - p.get(i - 1).cycles();
                int level = delta == 0 ? 0 : (int) Math.max(1, Math.round(8.0 * delta / peak));
                b.append(BARS.charAt(level));
            }
            b.append("|\n");
        }
        return b.toString();
    }

    /** Microseconds as milliseconds with one decimal. */
    static String ms(long us) {
        return String.format(Locale.ROOT, "%.1f", us / 1000.0);
    }
}
