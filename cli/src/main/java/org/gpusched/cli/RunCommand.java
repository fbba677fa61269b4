package org.gpusched.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import jdk.jfr.Recording;
import org.gpusched.sched.Policy;
import org.gpusched.sim.scenario.ResultJson;
import org.gpusched.sim.scenario.Scenario;
import org.gpusched.sim.scenario.ScenarioException;
import org.gpusched.sim.scenario.ScenarioParser;
import org.gpusched.sim.scenario.ScenarioResult;
import org.gpusched.sim.scenario.ScenarioRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gpusched run FILE.yaml}: runs a scenario on the simulated GPU and reports who got the
 * GPU, when, and how long everyone waited.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a scenario file on the simulated GPU and report per-client metrics.",
                "Default: virtual time, deterministic (the same file gives byte-identical JSON)."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the scenario ran and every client finished",
                "1:some client did not finish within the run's time bound",
                "2:bad input (scenario file, options) or an output file could not be written"})
final class RunCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE.yaml", description = "The scenario file (format: docs/scenarios.md).")
    private Path file;

    @Option(names = "--policy", paramLabel = "fifo|rr|fair",
            description = "Override the file's policy for every scheduler.")
    private String policy;

    @Option(names = "--json", paramLabel = "OUT.json", description = "Write the result as JSON.")
    private Path json;

    @Option(names = "--trace", paramLabel = "OUT.json",
            description = "Write a Chrome/Perfetto trace: one track per ring, one per client (load it at ui.perfetto.dev).")
    private Path trace;

    @Option(names = "--plot", paramLabel = "OUT.png",
            description = "Draw GPU share over time and per-client progress as a PNG chart.")
    private Path plot;

    @Option(names = "--realtime",
            description = "Run on real threads and wall-clock timers instead of virtual time (shows a progress bar).")
    private boolean realtime;

    @Option(names = "--jfr", paramLabel = "OUT.jfr",
            description = "Record the scheduler's JFR events (org.gpusched.JobState) to a flight recording.")
    private Path jfr;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Scenario sc;
        try {
            sc = Scenarios.load(file, policy);
        } catch (ScenarioException e) {
            err.println("gpusched: " + e.getMessage());
            return 2;
        }
        ScenarioResult r;
        Recording recording = jfr == null ? null : Scenarios.startRecording();
        try {
            r = ScenarioRunner.run(sc, realtime ? ScenarioRunner.Mode.REALTIME : ScenarioRunner.Mode.VIRTUAL,
                    realtime ? new ProgressBar(err) : (t, c, p) -> { });
        } finally {
            if (recording != null) {
                recording.stop();
            }
        }
        if (realtime) {
            err.println();
        }
        out.print(TextReport.render(r));
        out.flush();
        Path writing = null;
        try {
            if (json != null) {
                writing = json;
                Files.writeString(json, ResultJson.write(r), StandardCharsets.UTF_8);
                err.println("wrote " + json);
            }
            if (trace != null) {
                writing = trace;
                TraceWriter.write(r, trace);
                err.println("wrote " + trace + " (open it at ui.perfetto.dev)");
            }
            if (plot != null) {
                writing = plot;
                PlotWriter.writeRun(r, plot);
                err.println("wrote " + plot);
            }
            if (recording != null) {
                writing = jfr;
                recording.dump(jfr);
                err.println("wrote " + jfr + " (jfr print --events org.gpusched.JobState " + jfr + ")");
            }
        } catch (IOException e) {
            err.println("gpusched: " + Scenarios.cannotWrite(writing, e));
            return 2;
        } finally {
            if (recording != null) {
                recording.close();
            }
        }
        return r.completed() ? 0 : 1;
    }

    /** A one-line progress bar on stderr for realtime runs. */
    private static final class ProgressBar implements ScenarioRunner.ProgressListener {
        private final PrintWriter err;

        ProgressBar(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void onProgress(long elapsedNanos, long done, long planned) {
            int width = 40;
            double f = planned == 0 ? 1 : (double) done / planned;
            int filled = (int) Math.round(f * width);
            err.print(String.format(Locale.ROOT, "\r[%s%s] %3.0f%%  %d/%d cycles  %.1f s",
                    "#".repeat(filled), ".".repeat(width - filled), 100 * f, done, planned, elapsedNanos / 1e9));
            err.flush();
        }
    }

    static Policy parsePolicy(String p) {
        return switch (p.toLowerCase(Locale.ROOT)) {
            case "fifo" -> Policy.FIFO;
            case "rr" -> Policy.RR;
            case "fair" -> Policy.FAIR;
            default -> null;
        };
    }
}
