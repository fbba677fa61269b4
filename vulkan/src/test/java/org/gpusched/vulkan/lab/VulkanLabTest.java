package org.gpusched.vulkan.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.gpusched.sim.scenario.Scenario;
import org.gpusched.sim.scenario.ScenarioParser;
import org.gpusched.sim.scenario.ScenarioResult;
import org.gpusched.sim.scenario.ScenarioResult.JobSpan;
import org.gpusched.sim.scenario.ScenarioRunner;
import org.gpusched.vulkan.VulkanUnavailableException;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The scenario lab with its jobs run as real dispatches on a Vulkan device. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VulkanLabTest {

    private static final String SCENARIO = """
            name: lab-on-gpu
            duration: 60ms
            policy: fifo
            schedulers:
              - name: ring0
                credit_limit: 2
                timeout: none
            clients:
              - name: steady
                schedulers: [ring0]
                job_duration: 1ms
                sync: true
                wait: 2ms
              - name: urgent
                priority: high
                schedulers: [ring0]
                job_duration: 500us
                sync: true
                wait: 3ms
            """;

    private static VulkanLab openOrSkip(Scenario sc) {
        try {
            return VulkanLab.open(null, sc);
        } catch (VulkanUnavailableException e) {
            if ("1".equals(System.getenv("GPUSCHED_REQUIRE_VULKAN"))) {
                Assertions.fail("Vulkan is required here but unavailable: " + e.getMessage());
            }
            Assumptions.abort("Vulkan is not available on this machine: " + e.getMessage());
            throw e;
        }
    }

    @Test
    void everyJobOfTheScenarioRunsOnTheGpuWithIntendedAndMeasuredTime() throws Exception {
        Scenario sc = ScenarioParser.parse(SCENARIO, "lab-on-gpu.yaml");
        ScenarioResult r;
        VulkanLab lab = openOrSkip(sc);
        String device;
        try {
            device = lab.device().name();
            r = ScenarioRunner.run(sc, ScenarioRunner.Mode.REALTIME, (t, c, p) -> { }, lab);
        } finally {
            lab.close();
        }
        assertThat(r.completed()).isTrue();
        long jobs = r.clients().stream().mapToLong(c -> c.jobsCompleted() + c.jobsFailed()).sum();
        assertThat(r.clients()).allMatch(c -> c.jobsFailed() == 0);
        assertThat(lab.timings()).hasSize((int) jobs);
        for (JobTiming t : lab.timings()) {
            assertThat(t.measuredNs()).as("%s", t).isPositive();
            assertThat(t.intendedNs()).isIn(1_000_000L, 500_000L);
            assertThat(t.ring()).isEqualTo("ring0");
        }
        for (JobSpan s : r.spans()) {
            assertThat(s.hwStartNs()).as("%s", s).isNotNegative();
            assertThat(s.hwEndNs()).as("%s", s).isGreaterThanOrEqualTo(s.hwStartNs());
        }
        assertThat(lab.report()).contains(device).contains("intended vs measured").contains("steady").contains("urgent");
        assertThat(lab.device().isLost()).isFalse();
    }

    @Test
    void scenariosWithInjectedFaultsOrManualJobsNeedTheSimulatedRing() throws Exception {
        Scenario faults = ScenarioParser.parse(SCENARIO.replace("    wait: 3ms\n", "    wait: 3ms\n    faults: {fail_every: 5}\n"),
                "faults.yaml");
        assertThatThrownBy(() -> VulkanLab.check(faults)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("urgent").hasMessageContaining("--backend sim");
        VulkanLab.check(ScenarioParser.parse(SCENARIO, "ok.yaml"));
    }
}
