package org.gpusched.invariants;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.gpusched.sim.check.InvariantRun;
import org.gpusched.sim.check.RandomScenario;
import org.gpusched.sim.check.RunResult;
import org.gpusched.sim.check.ScenarioConfig;
import org.junit.jupiter.api.Test;

/**
 * The random scenarios are plans fixed by their seed, and playing one on the virtual dispatcher
 * gives the same run every time: same events, same virtual times, same outcomes.
 */
class DeterminismTest {

    @Test
    void sameSeedGivesTheSameScenario() {
        for (long seed = 1; seed <= 50; seed++) {
            RandomScenario a = RandomScenario.generate(seed);
            RandomScenario b = RandomScenario.generate(seed);
            assertThat(b.schedulers()).as("seed %d", seed).isEqualTo(a.schedulers());
            assertThat(b.entities()).as("seed %d", seed).isEqualTo(a.entities());
            assertThat(b.jobs()).as("seed %d", seed).isEqualTo(a.jobs());
            assertThat(b.driverFences()).as("seed %d", seed).isEqualTo(a.driverFences());
            assertThat(b.actions()).as("seed %d", seed).isEqualTo(a.actions());
            assertThat(b.finalCloses()).as("seed %d", seed).isEqualTo(a.finalCloses());
            assertThat(b.drainUntilNanos()).as("seed %d", seed).isEqualTo(a.drainUntilNanos());
        }
    }

    @Test
    void sameSeedGivesTheSameRunEventForEvent() {
        for (long seed = 1; seed <= 60; seed++) {
            RunResult a = InvariantRun.run(seed);
            RunResult b = InvariantRun.run(seed);
            assertThat(b.fingerprint()).as("fingerprint of seed %d", seed).isEqualTo(a.fingerprint());
            assertThat(b.eventsRun()).as("dispatcher events of seed %d", seed).isEqualTo(a.eventsRun());
            assertThat(b.endNanos()).as("end time of seed %d", seed).isEqualTo(a.endNanos());
            assertThat(b.counts()).as("outcomes of seed %d", seed).isEqualTo(a.counts());
            assertThat(b.violations()).as("violations of seed %d", seed).isEqualTo(a.violations());
        }
    }

    @Test
    void runTwiceFindsNoDifferenceInADeterministicRun() {
        for (long seed = 100; seed < 120; seed++) {
            RunResult r = InvariantRun.runTwice(seed, ScenarioConfig.defaults());
            assertThat(r.violations()).as("seed %d", seed).noneMatch(v -> v.contains("the same seed gives the same run"));
        }
    }

    @Test
    void differentSeedsGiveDifferentRuns() {
        Map<Long, Long> seedByFingerprint = new HashMap<>();
        for (long seed = 1; seed <= 300; seed++) {
            Long clash = seedByFingerprint.put(InvariantRun.run(seed).fingerprint(), seed);
            assertThat(clash).as("seed %d has the fingerprint of seed %s", seed, clash).isNull();
        }
    }

    @Test
    void theFingerprintCoversVirtualTimes() {
        // same plan sizes, one knob moved: the submit window (so the submission times stretch)
        ScenarioConfig a = new ScenarioConfig(2, 3, 30, 30, 10_000_000L);
        ScenarioConfig b = new ScenarioConfig(2, 3, 30, 30, 20_000_000L);
        assertThat(InvariantRun.run(7, b).fingerprint()).isNotEqualTo(InvariantRun.run(7, a).fingerprint());
    }
}
