package org.gpusched.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.gpusched.sim.scenario.ScenarioResult;
import org.gpusched.sim.scenario.ScenarioResult.JobSpan;

/**
 * Writes a scenario run in the Chrome trace event format (JSON object with
 * {@code traceEvents}), which the Perfetto UI and chrome://tracing load: one track per ring
 * showing each job on the hardware, one track per client showing each job's wait from
 * submission to the ring, and instant markers for jobs that ended with an error. Stateless.
 */
final class TraceWriter {

    private static final int RINGS_PID = 1;
    private static final int CLIENTS_PID = 2;

    private TraceWriter() {
    }

    static void write(ScenarioResult r, Path out) throws IOException {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        ArrayNode ev = root.putArray("traceEvents");
        Map<String, Integer> ringTid = new LinkedHashMap<>();
        Map<String, Integer> clientTid = new LinkedHashMap<>();
        meta(ev, RINGS_PID, 0, "process_name", "rings (" + r.scenario() + ", " + r.policy() + ")");
        meta(ev, CLIENTS_PID, 0, "process_name", "clients");
        for (ScenarioResult.SchedulerResult s : r.schedulers()) {
            int tid = ringTid.size() + 1;
            ringTid.put(s.name(), tid);
            meta(ev, RINGS_PID, tid, "thread_name", s.name());
        }
        for (ScenarioResult.ClientResult c : r.clients()) {
            int tid = clientTid.size() + 1;
            clientTid.put(c.name(), tid);
            meta(ev, CLIENTS_PID, tid, "thread_name", c.name() + " (" + c.priority() + ")");
        }
        for (JobSpan j : r.spans()) {
            String label = j.client() + " #" + j.index();
            if (j.hwStartNs() >= 0 && j.hwEndNs() >= 0 && j.scheduler() != null) {
                ObjectNode e = complete(ev, label, "gpu", RINGS_PID, ringTid.get(j.scheduler()), j.hwStartNs(), j.hwEndNs());
                ObjectNode a = e.putObject("args");
                a.put("client", j.client());
                a.put("cycle", j.cycle());
                a.put("outcome", j.error() == null ? "unfinished" : j.error());
            }
            long waitEnd = j.runNs() >= 0 ? j.runNs() : j.finishedNs();
            if (j.submitNs() >= 0 && waitEnd > j.submitNs()) {
                ObjectNode e = complete(ev, "wait " + label, "wait", CLIENTS_PID, clientTid.get(j.client()),
                        j.submitNs(), waitEnd);
                ObjectNode a = e.putObject("args");
                a.put("until", j.runNs() >= 0 ? "handed to " + j.scheduler() : "ended without running");
                if (j.runnableNs() >= 0) {
                    a.put("dependencies_satisfied_after_us", (j.runnableNs() - j.submitNs()) / 1000.0);
                }
            }
            if (j.error() != null && !j.error().equals("OK") && j.finishedNs() >= 0) {
                ObjectNode e = ev.addObject();
                e.put("name", j.error() + " " + label);
                e.put("cat", "error");
                e.put("ph", "i");
                e.put("s", "t");
                e.put("pid", CLIENTS_PID);
                e.put("tid", clientTid.get(j.client()));
                e.put("ts", j.finishedNs() / 1000.0);
            }
        }
        root.put("displayTimeUnit", "ms");
        m.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), root);
    }

    private static void meta(ArrayNode ev, int pid, int tid, String kind, String name) {
        ObjectNode e = ev.addObject();
        e.put("name", kind);
        e.put("ph", "M");
        e.put("pid", pid);
        e.put("tid", tid);
        e.putObject("args").put("name", name);
    }

    private static ObjectNode complete(ArrayNode ev, String name, String cat, int pid, int tid, long startNs, long endNs) {
        ObjectNode e = ev.addObject();
        e.put("name", name);
        e.put("cat", cat);
        e.put("ph", "X");
        e.put("pid", pid);
        e.put("tid", tid);
        e.put("ts", startNs / 1000.0);
        e.put("dur", (endNs - startNs) / 1000.0);
        return e;
    }
}
