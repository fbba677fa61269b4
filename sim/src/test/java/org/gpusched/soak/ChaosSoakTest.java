package org.gpusched.soak;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.gpusched.sim.soak.ChaosSoak;
import org.gpusched.sim.soak.FaultKind;
import org.gpusched.sim.soak.SoakStats;
import org.gpusched.sim.soak.SoakSummary;
import org.junit.jupiter.api.Test;

/**
 * The soak's 30-second run: real threads, random faults, kills and closes, and not one
 * invariant violated. Only outcomes are asserted: that the work and every kind of fault
 * happened (counts), never how long anything took.
 */
class ChaosSoakTest {

    private static final long SEED = 20_250_601L;

    @Test
    void thirtySecondsOfChaosOnRealThreadsViolateNoInvariantAndInjectEveryFault() {
        SoakSummary s = ChaosSoak.run(new ChaosSoak.Options(Duration.ofSeconds(30), SEED, 16), new SoakStats(SEED));
        String report = "seed " + SEED + "\n" + s.report();

        assertThat(s.violations()).as(report).isZero();
        assertThat(s.aborted()).as(report).isFalse();
        assertThat(s.ok()).as(report).isTrue();

        assertThat(s.rounds()).as(report).isGreaterThanOrEqualTo(5);
        assertThat(s.jobs()).as(report).isGreaterThanOrEqualTo(2_000);
        assertThat(s.finished()).as("every accepted job finished\n" + report).isEqualTo(s.jobs());
        // Every way a job can end, happened.
        assertThat(s.outcomes()).as(report)
                .containsKeys("OK", "ESRCH", "EIO", "ENODEV", "ETIMEDOUT", "ECANCELED", "EPROTO");
        for (FaultKind k : FaultKind.values()) {
            assertThat(s.faults().get(k)).as(k + " was injected\n" + report).isPositive();
        }
        assertThat(s.actions()).as(report).containsKeys("out-of-order completions", "scheduler closed mid-round",
                "entity closed mid-round", "priority changes", "fault() calls", "teardown under load");
        assertThat(s.actions().get("out-of-order completions")).as(report).isPositive();
    }
}
