package org.gpusched.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.gpusched.sim.scenario.ScenarioResult.ClientResult;
import org.gpusched.sim.scenario.ScenarioRunner.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every shipped example parses, runs to completion in virtual time and gives byte-identical
 * JSON when run again (all of them together take a few seconds, so each is run twice).
 */
class ExamplesTest {

    /** Paths relative to examples/, so that test names read like the docs. */
    static List<String> examples() {
        return Lab.allExamples().stream().map(p -> Lab.examples().relativize(p).toString().replace('\\', '/')).toList();
    }

    @Test
    void theExamplesDirectoryHoldsTheKernelWorkloads() {
        List<String> names = examples();
        // Ten two-client workloads at two credit limits, five many-client ones, two overhead tests.
        assertThat(names.stream().filter(n -> n.startsWith("kernel/two-clients/"))).hasSize(20);
        assertThat(names.stream().filter(n -> n.startsWith("kernel/many-clients/"))).hasSize(5);
        assertThat(names).contains("kernel/overhead/ping-pong.yaml", "kernel/overhead/queue-overhead.yaml",
                "faults-and-timeout.yaml", "compositor-vs-compute.yaml", "load-balanced-rings.yaml");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void exampleRunsToCompletionDeterministically(String example) {
        Path file = Lab.example(example);
        Scenario sc = Lab.parse(file);
        ScenarioResult first = ScenarioRunner.run(sc, Mode.VIRTUAL);
        assertThat(first.completed()).as("%s completed", file).isTrue();
        for (ClientResult c : first.clients()) {
            assertThat(c.done()).as(c.name()).isTrue();
            assertThat(c.cyclesCompleted()).as(c.name()).isEqualTo(c.cyclesPlanned());
            assertThat(c.verdict()).as(c.name()).doesNotStartWith("did not finish");
        }
        assertThat(first.makespanUs()).isPositive();
        String a = ResultJson.write(first);
        String b = ResultJson.write(ScenarioRunner.run(Lab.parse(file), Mode.VIRTUAL));
        assertThat(b).as("second run of %s", file).isEqualTo(a);
    }
}
