package org.gpusched.invariants;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.gpusched.sim.check.ScenarioConfig;
import org.gpusched.sim.check.Soak;
import org.junit.jupiter.api.Test;

/** The soak loop runs the seeds it is asked for and reports each one. */
class SoakTest {

    private static final ScenarioConfig SMALL = new ScenarioConfig(2, 3, 5, 20, 2_000_000L);

    @Test
    void soakRunsConsecutiveSeedsAndReportsEachWithRunningTotals() {
        List<Long> seeds = new ArrayList<>();
        List<Long> totals = new ArrayList<>();
        Soak.Summary s = Soak.run(Soak.Options.scenarios(40, 12).withConfig(SMALL), (r, soFar) -> {
            seeds.add(r.seed());
            totals.add(soFar.scenarios());
        });
        assertThat(seeds).containsExactly(40L, 41L, 42L, 43L, 44L, 45L, 46L, 47L, 48L, 49L, 50L, 51L);
        assertThat(totals).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
        assertThat(s.scenarios()).isEqualTo(12);
        assertThat(s.jobs()).isBetween(12L * 5, 12L * 20);
        assertThat(s.counts().values().stream().mapToLong(Long::longValue).sum()).isPositive();
    }

    @Test
    void soakWithAnExhaustedTimeBudgetRunsNothing() {
        List<Long> seeds = new ArrayList<>();
        Soak.Summary s = Soak.run(new Soak.Options(1, 1000, Duration.ZERO, SMALL, 0, false), (r, soFar) -> seeds.add(r.seed()));
        assertThat(seeds).isEmpty();
        assertThat(s.scenarios()).isZero();
    }
}
