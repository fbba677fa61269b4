package org.gpusched.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.gpusched.sched.Policy;
import org.gpusched.sim.scenario.ResultJson;
import org.gpusched.sim.scenario.Scenario;
import org.gpusched.sim.scenario.ScenarioException;
import org.gpusched.sim.scenario.ScenarioResult;
import org.gpusched.sim.scenario.ScenarioResult.ClientResult;
import org.gpusched.sim.scenario.ScenarioRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gpusched compare FILE.yaml}: runs a scenario under fifo, rr and fair, side by side. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Run a scenario under each policy (fifo, rr, fair) in virtual time and compare them side by side.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every run finished", "1:some run did not finish", "2:bad input or unwritable output"})
final class CompareCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE.yaml", description = "The scenario file.")
    private Path file;

    @Option(names = "--plot", paramLabel = "OUT.png", description = "Plot every client's progress under each policy on one chart.")
    private Path plot;

    @Option(names = "--json", paramLabel = "OUT.json", description = "Write the three results as a JSON array.")
    private Path json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Scenario sc;
        try {
            sc = Scenarios.load(file, null);
        } catch (ScenarioException e) {
            err.println("gpusched: " + e.getMessage());
            return 2;
        }
        List<ScenarioResult> results = new ArrayList<>();
        for (Policy p : List.of(Policy.FIFO, Policy.RR, Policy.FAIR)) {
            results.add(ScenarioRunner.run(sc.withPolicy(p), ScenarioRunner.Mode.VIRTUAL));
        }
        out.print(render(results));
        out.flush();
        Path writing = null;
        try {
            if (json != null) {
                writing = json;
                Files.writeString(json, ResultJson.writeAll(results), StandardCharsets.UTF_8);
                err.println("wrote " + json);
            }
            if (plot != null) {
                writing = plot;
                PlotWriter.writeCompare(results, plot);
                err.println("wrote " + plot);
            }
        } catch (IOException e) {
            err.println("gpusched: " + Scenarios.cannotWrite(writing, e));
            return 2;
        }
        return results.stream().allMatch(ScenarioResult::completed) ? 0 : 1;
    }

    static String render(List<ScenarioResult> rs) {
        StringBuilder b = new StringBuilder();
        ScenarioResult first = rs.get(0);
        b.append(first.scenario()).append(": policies side by side (virtual time)\n\n");
        int w = Math.max(6, first.clients().stream().mapToInt(c -> c.name().length()).max().orElse(6));
        b.append(String.format(Locale.ROOT, "%-" + w + "s %-7s", "client", "metric"));
        for (ScenarioResult r : rs) {
            b.append(String.format(Locale.ROOT, " %12s", r.policy()));
        }
        b.append('\n');
        for (int i = 0; i < first.clients().size(); i++) {
            row(b, w, rs, i, "elapsed", c -> TextReport.ms(c.elapsedUs()) + " ms");
            row(b, w, rs, i, "GPU", c -> String.format(Locale.ROOT, "%.0f%%", 100 * c.gpuShare()));
            row(b, w, rs, i, "lat p99", c -> TextReport.ms(c.latencyUs().p99()) + " ms");
            row(b, w, rs, i, "starved", c -> TextReport.ms(c.starvedUs()) + " ms");
        }
        b.append(String.format(Locale.ROOT, "%-" + w + "s %-7s", "all", "makespan"));
        for (ScenarioResult r : rs) {
            b.append(String.format(Locale.ROOT, " %12s", TextReport.ms(r.makespanUs()) + " ms"));
        }
        b.append('\n').append(String.format(Locale.ROOT, "%-" + w + "s %-7s", "all", "Jain"));
        for (ScenarioResult r : rs) {
            b.append(String.format(Locale.ROOT, " %12.3f", r.fairness().jainIndex()));
        }
        b.append('\n').append(String.format(Locale.ROOT, "%-" + w + "s %-7s", "all", "delta"));
        for (ScenarioResult r : rs) {
            b.append(String.format(Locale.ROOT, " %12d", r.fairness().avgMaxMinDeltaX100()));
        }
        b.append("\n\n");
        for (ScenarioResult r : rs) {
            for (ClientResult c : r.clients()) {
                b.append(String.format(Locale.ROOT, "%-5s %-" + w + "s %s%n", r.policy(), c.name(), c.verdict()));
            }
        }
        return b.toString();
    }

    private static void row(StringBuilder b, int w, List<ScenarioResult> rs, int i, String metric,
                            java.util.function.Function<ClientResult, String> f) {
        b.append(String.format(Locale.ROOT, "%-" + w + "s %-7s", metric.equals("elapsed") ? rs.get(0).clients().get(i).name() : "", metric));
        for (ScenarioResult r : rs) {
            b.append(String.format(Locale.ROOT, " %12s", f.apply(r.clients().get(i))));
        }
        b.append('\n');
    }
}
