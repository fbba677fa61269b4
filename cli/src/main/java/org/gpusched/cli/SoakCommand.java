package org.gpusched.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.gpusched.sim.soak.ChaosSoak;
import org.gpusched.sim.soak.SoakStats;
import org.gpusched.sim.soak.SoakSummary;
import org.gpusched.sim.soak.Violation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpusched soak}: the realtime counterpart of {@code check}: rounds of random schedulers
 * with fault-injecting backends on real threads, checked against the scheduler's invariants
 * while they run and after each round.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = {"Fault-injection soak on real threads, every invariant checked as it runs.",
                "",
                "Rounds of 1-4 schedulers (random policy, "
                + "credit limit and timeout), each with a chaos backend on a real ring thread that completes jobs in "
                + "or out of order and injects faults (run throws or returns null, fences failing, hangs, extra "
                + "prepare fences, NO_HANG, throwing free and cancel, lost devices); many submitting threads with "
                + "random dependencies and priorities; random priority changes, kills and closes.",
                "",
                "Every round is closed and checked: each fence signals once, each job is freed once, per-entity "
                + "order, credit limits, serialized callbacks, no callback after close, killed jobs never run, "
                + "every error explained by the job's history. Progress is printed as it goes, a summary at the end."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:no invariant was violated", "1:an invariant was violated (seed, round and job are printed)",
                "2:bad usage"})
final class SoakCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--minutes", paramLabel = "N", defaultValue = "1",
            description = "Run for N minutes of wall-clock time; decimals allowed (default ${DEFAULT-VALUE}).")
    private double minutes;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
            description = "Seed of the rounds' random configurations (default ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "16",
            description = "Submitting threads per round (default ${DEFAULT-VALUE}).")
    private int threads;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!(minutes > 0) || minutes > 100_000 || threads < 1) {
            err.println("gpusched: --minutes and --threads must be positive");
            return 2;
        }
        SoakStats stats = new SoakStats(seed);
        ChaosSoak.Options options = new ChaosSoak.Options(Duration.ofMillis(Math.max(1, Math.round(minutes * 60_000))),
                seed, threads);
        Thread progress = new Thread(() -> reportProgress(stats, err), "soak-progress");
        progress.setDaemon(true);
        progress.start();
        SoakSummary summary;
        try {
            summary = ChaosSoak.run(options, stats);
        } finally {
            progress.interrupt();
            progress.join(5_000);
        }
        out.print(summary.report());
        out.println(summary.ok() ? "OK: no invariant violated" : "FAILED: " + summary.violations() + " violations"
                + (summary.aborted() ? ", aborted" : ""));
        out.flush();
        return summary.ok() ? 0 : 1;
    }

    /** One line per second on stderr, and each new violation as soon as it is seen. */
    private static void reportProgress(SoakStats stats, PrintWriter err) {
        int printed = 0;
        for (;;) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            SoakSummary s = stats.snapshot();
            List<Violation> v = s.first();
            for (; printed < v.size(); printed++) {
                err.println("VIOLATION " + v.get(printed));
            }
            err.println(s.progressLine());
            err.flush();
        }
    }
}
