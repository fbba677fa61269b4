package org.gpusched.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import org.gpusched.sim.scenario.ScenarioRunner.Mode;
import org.junit.jupiter.api.Test;

class ScenarioRunnerTest {

    static final String HEAVY_VS_INTERACTIVE = """
            name: heavy-vs-interactive
            duration: 1000ms
            policy: fair
            schedulers:
              - name: gpu
                credit_limit: 1
                timeout: none
            clients:
              - name: heavy
                priority: normal
                jobs_per_cycle: 3
                job_duration: 2500us
                sync: true
                wait: 2500us
              - name: interactive
                job_duration: 1000us
                sync: true
                wait: 9000us
            """;

    @Test
    void sameScenarioGivesByteIdenticalJson() throws Exception {
        Scenario sc = ScenarioParser.parse(HEAVY_VS_INTERACTIVE, "hvi.yaml");
        String a = ResultJson.write(ScenarioRunner.run(sc, Mode.VIRTUAL));
        String b = ResultJson.write(ScenarioRunner.run(sc, Mode.VIRTUAL));
        assertThat(a).isEqualTo(b);
        System.out.println(a);
    }
}
