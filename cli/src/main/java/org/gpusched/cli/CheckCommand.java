package org.gpusched.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.gpusched.sim.check.InvariantRun;
import org.gpusched.sim.check.RunResult;
import org.gpusched.sim.check.ScenarioConfig;
import org.gpusched.sim.check.Soak;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpusched check}: random scheduling scenarios on the virtual dispatcher, each checked
 * against every invariant of the scheduler, for as long as asked (the long soak of the test
 * suite's randomized checks).
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Generate random scenarios (several schedulers, entities of every priority, dependency DAGs,",
                "random credits, hangs, backend failures, timeouts, kills and closes), run each in virtual time",
                "and check every invariant: each fence signals exactly once, each job is freed exactly once,",
                "per-entity order, credits within limits, no callback after close, determinism, and more."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:no invariant was violated", "1:some scenario violated an invariant (its seed is printed)",
                "2:bad usage"})
final class CheckCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--minutes", paramLabel = "N", description = "Run for N minutes of wall-clock time (default: until --scenarios are done).")
    private Double minutes;

    @Option(names = "--scenarios", paramLabel = "N", description = "Run at most N scenarios (default 1000 without --minutes).")
    private Long scenarios;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "First seed; scenario k uses seed S+k (default ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--large", description = "Bigger scenarios: up to 8 schedulers, 40 entities and 1500 jobs each.")
    private boolean large;

    @Option(names = "--determinism-every", paramLabel = "N", defaultValue = "25",
            description = "Run every N-th scenario twice and compare the runs bit for bit (0: never; default ${DEFAULT-VALUE}).")
    private int determinismEvery;

    @Option(names = "--replay", paramLabel = "SEED", description = "Run only this seed, with a trace of its last events, and print the report.")
    private Long replay;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ScenarioConfig config = large ? ScenarioConfig.large() : ScenarioConfig.defaults();
        if (replay != null) {
            RunResult r = InvariantRun.diagnose(replay, config);
            out.println(r.report());
            return r.ok() ? 0 : 1;
        }
        if ((minutes != null && minutes <= 0) || (scenarios != null && scenarios <= 0) || determinismEvery < 0) {
            err.println("gpusched: --minutes, --scenarios and --determinism-every must be positive");
            return 2;
        }
        long count = scenarios != null ? scenarios : minutes != null ? Long.MAX_VALUE : 1000;
        Duration wall = minutes == null ? null : Duration.ofMillis((long) (minutes * 60_000));
        Soak.Options options = new Soak.Options(seed, count, wall, config, determinismEvery, false);
        long[] lastReport = {System.nanoTime()};
        Soak.Summary summary = Soak.run(options, (result, soFar) -> {
            if (!result.ok()) {
                err.println();
                err.println("VIOLATION " + result.summary());
                result.violations().stream().limit(5).forEach(v -> err.println("  " + v));
            }
            long now = System.nanoTime();
            if (now - lastReport[0] > 1_000_000_000L) {
                lastReport[0] = now;
                err.print(String.format(Locale.ROOT, "\r%d scenarios, %d jobs, %d faults, %d failed, %.0f s",
                        soFar.scenarios(), soFar.jobs(), soFar.faults(), soFar.failed(), soFar.wallNanos() / 1e9));
                err.flush();
            }
        });
        err.println();
        out.println(String.format(Locale.ROOT,
                "checked %d scenarios from seed %d (%s): %d jobs, %d faults injected, %d dispatcher events, %.1f s",
                summary.scenarios(), seed, large ? "large" : "default size", summary.jobs(), summary.faults(),
                summary.events(), summary.wallNanos() / 1e9));
        out.println("invariant violations: " + summary.failed() + " scenarios");
        for (RunResult f : summary.failures()) {
            out.println("  seed " + f.seed() + ": " + f.violations().size() + " violations; replay: gpusched check "
                    + (large ? "--large " : "") + "--replay " + f.seed());
        }
        return summary.ok() ? 0 : 1;
    }
}
