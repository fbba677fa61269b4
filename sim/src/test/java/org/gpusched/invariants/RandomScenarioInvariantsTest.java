package org.gpusched.invariants;

import static org.assertj.core.api.Assertions.assertThat;

import org.gpusched.sim.check.InvariantRun;
import org.gpusched.sim.check.RunResult;
import org.gpusched.sim.check.ScenarioConfig;
import org.gpusched.sim.check.Soak;
import org.junit.jupiter.api.Test;

/**
 * Thousands of random scenarios (schedulers, entities, dependency DAGs, backend faults, closes,
 * lost devices) on the virtual dispatcher, each checked by the invariant checker. A failure
 * names every failing seed; {@code InvariantRun.diagnose(seed, config)} replays one with a
 * trace.
 *
 * <p>The number of scenarios and the first seed can be changed with the system properties
 * {@code gpusched.invariants.scenarios} and {@code gpusched.invariants.firstSeed}.
 */
class RandomScenarioInvariantsTest {

    private static final long FIRST_SEED = Long.getLong("gpusched.invariants.firstSeed", 1L);
    private static final int SCENARIOS = Integer.getInteger("gpusched.invariants.scenarios", 3000);

    /** Up to 8 schedulers, 40 entities and 1500 jobs over 60 ms: crowded run queues. */
    private static final ScenarioConfig LARGE = ScenarioConfig.large();

    @Test
    void randomScenariosKeepEveryInvariant() {
        FailureReport report = new FailureReport(ScenarioConfig.defaults());
        Soak.Summary s = Soak.run(Soak.Options.scenarios(FIRST_SEED, SCENARIOS).withDeterminismEvery(25), report);
        assertThat(s.scenarios()).isEqualTo(SCENARIOS);
        assertThat(s.failed()).as(report::toString).isZero();
    }

    @Test
    void largeRandomScenariosKeepEveryInvariant() {
        FailureReport report = new FailureReport(LARGE);
        Soak.Summary s = Soak.run(Soak.Options.scenarios(1_000_000L + FIRST_SEED, SCENARIOS / 20).withConfig(LARGE), report);
        assertThat(s.scenarios()).isEqualTo(SCENARIOS / 20);
        assertThat(s.failed()).as(report::toString).isZero();
    }

    /**
     * The generator must keep reaching every outcome and every interesting path, or the
     * invariant checks above silently lose their teeth.
     */
    @Test
    void randomScenariosReachEveryOutcomeAndPath() {
        Soak.Summary s = Soak.run(Soak.Options.scenarios(FIRST_SEED, 1000), (r, soFar) -> { });
        assertThat(s.counts()).as("outcomes and paths over 1000 scenarios: %s", s.counts()).containsKeys(
                "end.OK", "end.ESRCH", "end.ECANCELED", "end.ETIMEDOUT", "end.ENODEV", "end.EIO", "end.EPROTO",
                "end.EFAULT", "end.ENOSPC", "end.refused",
                "path.cancel", "path.canceledWithoutHardware", "path.clamped", "path.closeWithJobsOnHardware",
                "path.creditsFull", "path.deviceGoneVerdict", "path.entityMoved", "path.killedWithPendingDependency",
                "path.ownEntityDependency", "path.pipelined", "path.prepareFence", "path.timeout",
                "path.timeoutNoHang", "path.lowerPriorityWaited", "path.fifoYoungerWaited", "path.waitedForCredits");
        assertThat(s.faults()).isPositive();
        // most jobs complete normally: the scenarios are not all teardown
        assertThat(s.counts().get("end.OK")).isGreaterThan(s.jobs() / 2);
    }

    @Test
    void aFailingSeedReplaysWithTheSameViolations() {
        // the replay path used by the failure report must reproduce a run exactly
        RunResult r = InvariantRun.run(FIRST_SEED);
        RunResult again = InvariantRun.diagnose(FIRST_SEED, ScenarioConfig.defaults());
        assertThat(again.violations()).isEqualTo(r.violations());
        assertThat(again.fingerprint()).isEqualTo(r.fingerprint());
        assertThat(again.traceTail()).isNotEmpty();
    }
}
