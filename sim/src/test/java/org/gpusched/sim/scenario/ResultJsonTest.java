package org.gpusched.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The JSON result keeps every field of DESIGN section 6 under its name, with integer
 * microseconds and counts, and its values are those of the {@link ScenarioResult}.
 */
class ResultJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String TWO_CLIENTS = """
            name: json-fields
            duration: 200ms
            policy: rr
            schedulers:
              - name: gpu
                credit_limit: 2
            clients:
              - name: heavy
                jobs_per_cycle: 3
                job_duration: 2500us
                sync: true
                wait: 2500us
              - name: interactive
                priority: high
                job_duration: 1ms
                sync: true
                wait: 9ms
            """;

    private static void isInteger(JsonNode parent, String... fields) {
        for (String f : fields) {
            assertThat(parent.has(f)).as("field %s in %s", f, parent).isTrue();
            assertThat(parent.get(f).isIntegralNumber()).as("%s is an integer: %s", f, parent.get(f)).isTrue();
            assertThat(parent.get(f).asLong()).as(f).isNotNegative();
        }
    }

    private static void isText(JsonNode parent, String... fields) {
        for (String f : fields) {
            assertThat(parent.has(f)).as("field %s", f).isTrue();
            assertThat(parent.get(f).isTextual()).as("%s is a string", f).isTrue();
        }
    }

    @Test
    void everyContractFieldIsPresentWithItsType() throws Exception {
        ScenarioResult r = Lab.run(TWO_CLIENTS);
        JsonNode o = JSON.readTree(ResultJson.write(r));
        isText(o, "scenario", "policy", "mode");
        assertThat(o.get("scenario").asText()).isEqualTo("json-fields");
        assertThat(o.get("policy").asText()).isEqualTo("rr");
        assertThat(o.get("mode").asText()).isEqualTo("virtual");
        isInteger(o, "makespan_us", "duration_us");
        assertThat(o.get("makespan_us").asLong()).isEqualTo(r.makespanUs());
        assertThat(o.get("completed").isBoolean()).isTrue();
        assertThat(o.has("turnaround_us")).as("realtime only").isFalse();

        assertThat(o.get("schedulers").isArray()).isTrue();
        JsonNode s = o.get("schedulers").get(0);
        isText(s, "name");
        isInteger(s, "busy_us", "jobs", "credit_limit");
        assertThat(s.get("busy_us").asLong()).isEqualTo(r.schedulers().getFirst().busyUs());
        assertThat(s.get("jobs").asLong()).isEqualTo(r.schedulers().getFirst().jobs());

        assertThat(o.get("clients")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode c = o.get("clients").get(i);
            ScenarioResult.ClientResult cr = r.clients().get(i);
            isText(c, "name", "priority", "verdict");
            assertThat(c.get("name").asText()).isEqualTo(cr.name());
            assertThat(c.get("priority").asText()).isEqualTo(i == 0 ? "normal" : "high");
            isInteger(c, "cycles_planned", "cycles_completed", "jobs_completed", "elapsed_us", "ideal_us",
                    "gpu_time_us", "jobs_failed", "starved_us");
            assertThat(c.get("cycles_completed").asLong()).isEqualTo(cr.cyclesCompleted());
            assertThat(c.get("elapsed_us").asLong()).isEqualTo(cr.elapsedUs());
            isInteger(c.get("cycle_time_us"), "min", "avg", "max");
            isInteger(c.get("latency_us"), "min", "avg", "max", "p50", "p99");
            isInteger(c.get("job_wait_us"), "min", "avg", "max", "p50", "p99");
            assertThat(c.get("latency_us").get("p99").asLong()).isEqualTo(cr.latencyUs().p99());
            assertThat(c.get("gpu_share").isNumber()).isTrue();
            assertThat(c.get("sync").isBoolean()).isTrue();
            assertThat(c.get("done").isBoolean()).isTrue();
            JsonNode progress = c.get("progress");
            assertThat(progress.isArray()).isTrue();
            assertThat(progress).hasSize(cr.progress().size());
            for (JsonNode p : progress) {
                isInteger(p, "t_us", "cycles", "queue_depth");
            }
        }
        JsonNode f = o.get("fairness");
        assertThat(f.get("jain_index").isFloatingPointNumber()).isTrue();
        assertThat(f.get("jain_index").asDouble()).isBetween(0.5, 1.0).isEqualTo(r.fairness().jainIndex());
        isInteger(f, "avg_max_min_delta_x100");
    }

    @Test
    void contractFieldsComeFirstInTheDocumentedOrder() throws Exception {
        JsonNode o = JSON.readTree(ResultJson.write(Lab.run(TWO_CLIENTS)));
        List<String> top = iterable(o);
        assertThat(top).startsWith("scenario", "policy", "mode", "makespan_us", "schedulers", "clients");
        assertThat(iterable(o.get("clients").get(0))).startsWith("name", "priority", "cycles_planned",
                "cycles_completed", "jobs_completed", "elapsed_us", "ideal_us", "gpu_time_us", "cycle_time_us",
                "latency_us", "progress");
    }

    @Test
    void textEndsWithANewlineAndIsStable() {
        ScenarioResult r = Lab.run(TWO_CLIENTS);
        String text = ResultJson.write(r);
        assertThat(text).endsWith("}\n");
        assertThat(ResultJson.write(r)).isEqualTo(text);
    }

    @Test
    void comparisonIsAnArrayOfResults() throws Exception {
        ScenarioResult a = Lab.run(TWO_CLIENTS);
        JsonNode all = JSON.readTree(ResultJson.writeAll(List.of(a, a)));
        assertThat(all.isArray()).isTrue();
        assertThat(all).hasSize(2);
        assertThat(all.get(1)).isEqualTo(JSON.readTree(ResultJson.write(a)));
    }

    private static List<String> iterable(JsonNode n) {
        return n.properties().stream().map(java.util.Map.Entry::getKey).toList();
    }
}
