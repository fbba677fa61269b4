package org.gpusched.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.cli.Cli.gpusched;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gpusched.cli.Cli.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --realtime} runs the same clients on real threads and wall-clock timers. Timings vary
 * from run to run, so only outcomes are checked: every cycle and job completes, and the result
 * says it ran in real time and carries the scheduler's turnaround.
 */
class RealtimeCliTest {

    @TempDir
    Path dir;

    @Test
    void realtimeRunCompletesEveryCycleAndReportsTurnaround() throws Exception {
        Path f = Cli.file(dir, "rt.yaml", """
                name: realtime
                duration: 200ms
                policy: fair
                clients:
                  - name: render
                    jobs_per_cycle: 2
                    job_duration: 2ms
                    sync: true
                    wait: 6ms
                  - name: ui
                    priority: high
                    job_duration: 1ms
                    sync: true
                    wait: 4ms
                """);
        Path json = dir.resolve("rt.json");
        Outcome o = gpusched("run", f.toString(), "--realtime", "--json", json.toString());
        assertThat(o.status()).as("stderr: %s", o.err()).isZero();
        assertThat(o.out()).startsWith("realtime: policy fair, real time, makespan ")
                .contains("scheduler turnaround");
        // The progress bar went to stderr.
        assertThat(o.err()).contains("cycles").contains("wrote " + json);

        JsonNode r = new ObjectMapper().readTree(Files.readString(json));
        assertThat(r.get("mode").asText()).isEqualTo("realtime");
        assertThat(r.get("completed").asBoolean()).isTrue();
        // render: 200 / (2*2 + 6) = 20 cycles of 2 jobs; ui: 200 / 5 = 40 cycles.
        long[] cycles = {20, 40};
        long[] jobs = {40, 40};
        for (int i = 0; i < 2; i++) {
            JsonNode c = r.get("clients").get(i);
            assertThat(c.get("cycles_planned").asLong()).isEqualTo(cycles[i]);
            assertThat(c.get("cycles_completed").asLong()).isEqualTo(cycles[i]);
            assertThat(c.get("jobs_completed").asLong()).isEqualTo(jobs[i]);
            assertThat(c.get("jobs_failed").asLong()).isZero();
            assertThat(c.get("done").asBoolean()).isTrue();
            assertThat(c.get("progress").get(0).get("t_us").asLong()).isZero();
        }
        assertThat(r.get("schedulers").get(0).get("jobs").asLong()).isEqualTo(80);
        JsonNode turnaround = r.get("turnaround_us");
        assertThat(turnaround).isNotNull();
        for (String k : new String[] {"min", "avg", "max", "p50", "p99"}) {
            assertThat(turnaround.get(k).isIntegralNumber()).as(k).isTrue();
            assertThat(turnaround.get(k).asLong()).as(k).isNotNegative();
        }
        assertThat(turnaround.get("min").asLong()).isLessThanOrEqualTo(turnaround.get("p50").asLong());
        assertThat(turnaround.get("p50").asLong()).isLessThanOrEqualTo(turnaround.get("max").asLong());
    }
}
