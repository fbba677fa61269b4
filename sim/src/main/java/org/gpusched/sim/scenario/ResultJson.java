package org.gpusched.sim.scenario;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.gpusched.sim.scenario.ScenarioResult.ClientResult;
import org.gpusched.sim.scenario.ScenarioResult.ProgressSample;
import org.gpusched.sim.scenario.ScenarioResult.SchedulerResult;

/**
 * Writes a {@link ScenarioResult} as the JSON object of DESIGN section 6 (a CONTRACT: the
 * fields named there keep their names; the others are extras). Field order is fixed, so equal
 * results give byte-identical text. Thread-safe.
 */
public final class ResultJson {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ResultJson() {
    }

    /** The JSON text of {@code r}, ending with a newline. */
    public static String write(ScenarioResult r) {
        try {
            return MAPPER.writeValueAsString(tree(r)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a result as JSON", e);
        }
    }

    /** Several results (a policy comparison) as one JSON array. */
    public static String writeAll(List<ScenarioResult> results) {
        ArrayNode a = MAPPER.createArrayNode();
        results.forEach(r -> a.add(tree(r)));
        try {
            return MAPPER.writeValueAsString(a) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write results as JSON", e);
        }
    }

    static ObjectNode tree(ScenarioResult r) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("scenario", r.scenario());
        o.put("policy", r.policy());
        o.put("mode", r.mode());
        o.put("makespan_us", r.makespanUs());
        ArrayNode scheds = o.putArray("schedulers");
        for (SchedulerResult s : r.schedulers()) {
            ObjectNode n = scheds.addObject();
            n.put("name", s.name());
            n.put("busy_us", s.busyUs());
            n.put("jobs", s.jobs());
            n.put("credit_limit", s.creditLimit());
        }
        ArrayNode clients = o.putArray("clients");
        for (ClientResult c : r.clients()) {
            ObjectNode n = clients.addObject();
            n.put("name", c.name());
            n.put("priority", c.priority());
            n.put("cycles_planned", c.cyclesPlanned());
            n.put("cycles_completed", c.cyclesCompleted());
            n.put("jobs_completed", c.jobsCompleted());
            n.put("elapsed_us", c.elapsedUs());
            n.put("ideal_us", c.idealUs());
            n.put("gpu_time_us", c.gpuTimeUs());
            stats(n.putObject("cycle_time_us"), c.cycleTimeUs(), false);
            stats(n.putObject("latency_us"), c.latencyUs(), true);
            ArrayNode progress = n.putArray("progress");
            for (ProgressSample p : c.progress()) {
                ObjectNode s = progress.addObject();
                s.put("t_us", p.tUs());
                s.put("cycles", p.cycles());
                s.put("queue_depth", p.queueDepth());
            }
            n.put("sync", c.sync());
            n.put("jobs_failed", c.jobsFailed());
            n.put("gpu_share", c.gpuShare());
            stats(n.putObject("job_wait_us"), c.jobWaitUs(), true);
            n.put("starved_us", c.starvedUs());
            n.put("done", c.done());
            n.put("verdict", c.verdict());
        }
        ObjectNode f = o.putObject("fairness");
        f.put("jain_index", r.fairness().jainIndex());
        f.put("avg_max_min_delta_x100", r.fairness().avgMaxMinDeltaX100());
        o.put("duration_us", r.durationUs());
        o.put("completed", r.completed());
        if (r.turnaroundUs() != null) {
            stats(o.putObject("turnaround_us"), r.turnaroundUs(), true);
        }
        return o;
    }

    private static void stats(ObjectNode n, Stats s, boolean percentiles) {
        n.put("min", s.min());
        n.put("avg", s.avg());
        n.put("max", s.max());
        if (percentiles) {
            n.put("p50", s.p50());
            n.put("p99", s.p99());
        }
    }
}
