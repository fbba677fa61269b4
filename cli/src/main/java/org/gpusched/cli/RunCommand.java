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
import org.gpusched.vulkan.VulkanUnavailableException;
import org.gpusched.vulkan.lab.VulkanLab;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gpusched run FILE.yaml}: runs a scenario on the simulated GPU (or, with
 * {@code --backend vulkan}, on a real Vulkan device) and reports who got the GPU, when, and how
 * long everyone waited.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a scenario file on the simulated GPU and report per-client metrics.",
                "Default: virtual time, deterministic (the same file gives byte-identical JSON).",
                "--backend vulkan runs every job as a real compute dispatch on a Vulkan device, in real time."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the scenario ran and every client finished",
                "1:some client did not finish within the run's time bound",
                "2:bad input (scenario file, options) or an output file could not be written",
                "3:--backend vulkan, but Vulkan cannot be used on this machine"})
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

    @Option(names = "--backend", paramLabel = "sim|vulkan", defaultValue = "sim",
            description = {"sim (default): the simulated ring. vulkan: each job is a dispatch of a shader that "
                    + "busy-loops for the job's duration (calibrated at start) on a real Vulkan device, so GPU times are "
                    + "real; implies --realtime (a GPU cannot run on virtual time); the report names the device and "
                    + "shows intended vs measured GPU time. Scenarios with faults or first_job: manual need sim."})
    private String backend;

    @Option(names = "--device", paramLabel = "NAME|INDEX",
            description = "With --backend vulkan: the device, by index or part of its name (default: the best; "
                    + "a GPU before a CPU implementation such as lavapipe).")
    private String device;

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
        boolean vulkan;
        switch (backend.toLowerCase(Locale.ROOT)) {
            case "sim" -> vulkan = false;
            case "vulkan" -> vulkan = true;
            default -> {
                err.println("gpusched: unknown backend '" + backend + "'; use sim or vulkan");
                return 2;
            }
        }
        if (device != null && !vulkan) {
            err.println("gpusched: --device needs --backend vulkan");
            return 2;
        }
        VulkanLab lab = null;
        if (vulkan) {
            try {
                VulkanLab.check(sc);
                lab = VulkanLab.open(device, sc);
            } catch (VulkanUnavailableException e) {
                err.println("gpusched: --backend vulkan: " + e.getMessage());
                return 3;
            } catch (IllegalArgumentException e) {
                err.println("gpusched: --backend vulkan: " + e.getMessage());
                return 2;
            }
            err.println("running on " + lab.device().describe() + "; " + lab.calibration().describe());
        }
        boolean rt = realtime || vulkan;
        ScenarioResult r;
        Recording recording = jfr == null ? null : Scenarios.startRecording();
        try {
            r = ScenarioRunner.run(sc, rt ? ScenarioRunner.Mode.REALTIME : ScenarioRunner.Mode.VIRTUAL,
                    rt ? new ProgressBar(err) : (t, c, p) -> { },
                    lab != null ? lab : ScenarioRunner.RingFactory.SIMULATED);
        } finally {
            if (recording != null) {
                recording.stop();
            }
            if (lab != null) {
                lab.close();
            }
        }
        if (rt) {
            err.println();
        }
        out.print(TextReport.render(r));
        if (lab != null) {
            out.println();
            out.print(lab.report());
        }
        out.flush();
        Path writing = null;
        try {
            if (json != null) {
                writing = json;
                Files.writeString(json, lab == null ? ResultJson.write(r) : VulkanReport.json(r, lab), StandardCharsets.UTF_8);
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
