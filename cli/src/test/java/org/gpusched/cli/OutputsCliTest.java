package org.gpusched.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.cli.Cli.gpusched;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.gpusched.cli.Cli.Outcome;
import org.gpusched.sched.Policy;
import org.gpusched.sim.scenario.ResultJson;
import org.gpusched.sim.scenario.Scenario;
import org.gpusched.sim.scenario.ScenarioParser;
import org.gpusched.sim.scenario.ScenarioRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code gpusched run} and {@code compare} write: the JSON result, the Perfetto trace, the
 * PNG plots and the JFR recording, checked against the run they describe.
 */
class OutputsCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /**
     * One client alone: two cycles of two 3 ms jobs and 4 ms of think time, so its jobs run at
     * 0-3, 3-6, 10-13 and 13-16 ms, and the second job of each cycle waits 3 ms for the first.
     */
    private static final String SOLO = """
            name: solo
            duration: 20ms
            clients:
              - name: a
                priority: high
                jobs_per_cycle: 2
                job_duration: 3ms
                sync: true
                wait: 4ms
            """;

    /** Two clients, one with failing jobs. */
    private static final String FAULTY = """
            name: faulty
            duration: 50ms
            clients:
              - name: good
                job_duration: 2ms
                sync: true
                wait: 3ms
              - name: bad
                job_duration: 1ms
                sync: true
                wait: 4ms
                faults: {fail_every: 2}
            """;

    @TempDir
    Path dir;

    private static JsonNode read(Path p) throws Exception {
        return JSON.readTree(Files.readString(p));
    }

    private static List<JsonNode> events(JsonNode trace, String ph, int pid) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : trace.get("traceEvents")) {
            if (e.get("ph").asText().equals(ph) && e.get("pid").asInt() == pid) {
                out.add(e);
            }
        }
        return out;
    }

    /** pid of the process whose name starts with {@code prefix}. */
    private static int process(JsonNode trace, String prefix) {
        for (JsonNode e : trace.get("traceEvents")) {
            if (e.get("ph").asText().equals("M") && e.get("name").asText().equals("process_name")
                    && e.get("args").get("name").asText().startsWith(prefix)) {
                return e.get("pid").asInt();
            }
        }
        throw new AssertionError("no process " + prefix);
    }

    /** tid of the thread (track) called {@code name} in process {@code pid}. */
    private static int track(JsonNode trace, int pid, String name) {
        for (JsonNode e : trace.get("traceEvents")) {
            if (e.get("ph").asText().equals("M") && e.get("name").asText().equals("thread_name")
                    && e.get("pid").asInt() == pid && e.get("args").get("name").asText().startsWith(name)) {
                return e.get("tid").asInt();
            }
        }
        throw new AssertionError("no track " + name);
    }

    private static void isPng(Path p, int width, int height) throws Exception {
        byte[] bytes = Files.readAllBytes(p);
        assertThat(bytes).startsWith(PNG_SIGNATURE);
        BufferedImage img = ImageIO.read(p.toFile());
        assertThat(img).isNotNull();
        assertThat(img.getWidth()).isEqualTo(width);
        assertThat(img.getHeight()).isEqualTo(height);
    }

    @Test
    void traceShowsEachJobOnItsRingAndEachWaitOnItsClient() throws Exception {
        Path f = Cli.file(dir, "solo.yaml", SOLO);
        Path trace = dir.resolve("trace.json");
        Outcome o = gpusched("run", f.toString(), "--trace", trace.toString());
        assertThat(o.status()).isZero();
        assertThat(o.err()).contains("wrote " + trace);
        JsonNode t = read(trace);
        assertThat(t.get("displayTimeUnit").asText()).isEqualTo("ms");
        int rings = process(t, "rings");
        int clients = process(t, "clients");
        assertThat(rings).isNotEqualTo(clients);
        int gpu = track(t, rings, "gpu");
        int a = track(t, clients, "a");

        List<JsonNode> onRing = events(t, "X", rings);
        assertThat(onRing).hasSize(4).allSatisfy(e -> assertThat(e.get("tid").asInt()).isEqualTo(gpu));
        // ts and dur in microseconds
        assertThat(onRing).extracting(e -> e.get("ts").asDouble()).containsExactly(0.0, 3000.0, 10_000.0, 13_000.0);
        assertThat(onRing).extracting(e -> e.get("dur").asDouble()).containsOnly(3000.0);
        assertThat(onRing).extracting(e -> e.get("name").asText()).containsExactly("a #1", "a #2", "a #3", "a #4");
        assertThat(onRing).allSatisfy(e -> assertThat(e.get("args").get("outcome").asText()).isEqualTo("OK"));

        // Only the jobs that waited have a wait slice: the second of each cycle, 3 ms each.
        List<JsonNode> waits = events(t, "X", clients);
        assertThat(waits).hasSize(2).allSatisfy(e -> {
            assertThat(e.get("tid").asInt()).isEqualTo(a);
            assertThat(e.get("dur").asDouble()).isEqualTo(3000.0);
            assertThat(e.get("args").get("until").asText()).isEqualTo("handed to gpu");
        });
        assertThat(waits).extracting(e -> e.get("ts").asDouble()).containsExactly(0.0, 10_000.0);
        assertThat(events(t, "i", clients)).isEmpty();
    }

    @Test
    void traceAgreesWithTheJsonResultAndMarksFailedJobs() throws Exception {
        Path f = Cli.file(dir, "faulty.yaml", FAULTY);
        Path trace = dir.resolve("trace.json");
        Path json = dir.resolve("result.json");
        Outcome o = gpusched("run", f.toString(), "--trace", trace.toString(), "--json", json.toString());
        assertThat(o.status()).isZero();
        JsonNode t = read(trace);
        JsonNode r = read(json);
        int rings = process(t, "rings");
        int clients = process(t, "clients");
        List<JsonNode> onRing = events(t, "X", rings);
        // One slice per job that ran, and together they are the ring's busy time.
        assertThat((long) onRing.size()).isEqualTo(r.get("schedulers").get(0).get("jobs").asLong());
        double busyUs = onRing.stream().mapToDouble(e -> e.get("dur").asDouble()).sum();
        assertThat((long) busyUs).isEqualTo(r.get("schedulers").get(0).get("busy_us").asLong());
        double lastEnd = onRing.stream().mapToDouble(e -> e.get("ts").asDouble() + e.get("dur").asDouble()).max().orElseThrow();
        assertThat((long) lastEnd).isEqualTo(r.get("makespan_us").asLong());
        // Slices on one ring never overlap: it executes one job at a time.
        List<double[]> spans = onRing.stream().map(e -> new double[] {e.get("ts").asDouble(),
                e.get("ts").asDouble() + e.get("dur").asDouble()}).sorted((x, y) -> Double.compare(x[0], y[0])).toList();
        for (int i = 1; i < spans.size(); i++) {
            assertThat(spans.get(i)[0]).isGreaterThanOrEqualTo(spans.get(i - 1)[1]);
        }
        // One error marker per failed job, on the failing client's track.
        JsonNode bad = r.get("clients").get(1);
        assertThat(bad.get("jobs_failed").asLong()).isPositive();
        List<JsonNode> markers = events(t, "i", clients);
        assertThat((long) markers.size()).isEqualTo(bad.get("jobs_failed").asLong());
        int badTrack = track(t, clients, "bad");
        assertThat(markers).allSatisfy(e -> {
            assertThat(e.get("tid").asInt()).isEqualTo(badTrack);
            assertThat(e.get("name").asText()).startsWith("EFAULT bad #");
        });
        long failedOnRing = onRing.stream().filter(e -> !e.get("args").get("outcome").asText().equals("OK")).count();
        assertThat(failedOnRing).isEqualTo(bad.get("jobs_failed").asLong());
        // Every wait slice lies within the run.
        assertThat(events(t, "X", clients)).allSatisfy(e -> {
            assertThat(e.get("dur").asDouble()).isPositive();
            assertThat(e.get("ts").asDouble()).isLessThan(lastEnd);
        });
    }

    @Test
    void jsonOptionWritesExactlyTheResult() throws Exception {
        Path f = Cli.examples().resolve("kernel/two-clients/credit1-09-heavy-and-interactive.yaml");
        Path json = dir.resolve("out.json");
        Outcome o = gpusched("run", f.toString(), "--json", json.toString());
        assertThat(o.status()).isZero();
        Scenario sc = ScenarioParser.parse(f);
        assertThat(Files.readString(json)).isEqualTo(ResultJson.write(ScenarioRunner.run(sc, ScenarioRunner.Mode.VIRTUAL)));
        assertThat(o.err()).contains("wrote " + json);
        // The terminal report: the scenario line, both clients and their verdicts, the strip.
        assertThat(o.out()).startsWith("two-clients-heavy-and-interactive-credit1: policy fair, virtual time, makespan ")
                .contains("ring gpu", "Jain's index", "client0", "client1", "kept pace", "progress: ");
    }

    @Test
    void plotIsAPngWithTheDocumentedSize() throws Exception {
        Path f = Cli.file(dir, "faulty.yaml", FAULTY);
        Path png = dir.resolve("plot.png");
        Outcome o = gpusched("run", f.toString(), "--plot", png.toString());
        assertThat(o.status()).isZero();
        isPng(png, 1200, 800);
    }

    @Test
    void compareShowsTheThreePoliciesAndWritesJsonAndPlot() throws Exception {
        Path f = Cli.examples().resolve("kernel/two-clients/credit1-02-normal-and-low.yaml");
        Path json = dir.resolve("cmp.json");
        Path png = dir.resolve("cmp.png");
        Outcome o = gpusched("compare", f.toString(), "--json", json.toString(), "--plot", png.toString());
        assertThat(o.status()).isZero();
        List<String> lines = o.out().lines().toList();
        assertThat(lines.getFirst()).isEqualTo("two-clients-normal-and-low-credit1: policies side by side (virtual time)");
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("client +metric +fifo +rr +fair"));
        for (String p : List.of("fifo", "rr", "fair")) {
            assertThat(lines).anySatisfy(l -> assertThat(l).startsWith(String.format("%-5s client1 ", p)));
        }
        // FIFO starves the low client, as the kernel's tests showed.
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("fifo  client1 starved for"));

        JsonNode all = read(json);
        assertThat(all.isArray()).isTrue();
        assertThat(all).hasSize(3);
        Scenario sc = ScenarioParser.parse(f);
        Policy[] order = {Policy.FIFO, Policy.RR, Policy.FAIR};
        for (int i = 0; i < 3; i++) {
            JsonNode expected = JSON.readTree(ResultJson.write(ScenarioRunner.run(sc.withPolicy(order[i]),
                    ScenarioRunner.Mode.VIRTUAL)));
            assertThat(all.get(i)).as("%s", order[i]).isEqualTo(expected);
        }
        isPng(png, 1200, 600);
    }

    @Test
    void jfrRecordsEveryStateOfEveryJob() throws Exception {
        Path f = Cli.file(dir, "solo.yaml", SOLO);
        Path jfr = dir.resolve("rec.jfr");
        Outcome o = gpusched("run", f.toString(), "--jfr", jfr.toString());
        assertThat(o.status()).isZero();
        assertThat(o.err()).contains("wrote " + jfr);
        Map<Long, Set<String>> states = new HashMap<>();
        Map<String, Long> clockOfRun = new HashMap<>();
        Set<Long> contexts = new TreeSet<>();
        int count = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            if (!e.getEventType().getName().equals("org.gpusched.JobState")) {
                continue;
            }
            count++;
            contexts.add(e.getLong("context"));
            assertThat(e.getString("scheduler")).isEqualTo("gpu");
            assertThat(e.getString("entity")).isEqualTo("a");
            assertThat(e.getInt("credits")).isEqualTo(1);
            long seqno = e.getLong("seqno");
            String state = e.getString("state");
            states.computeIfAbsent(seqno, k -> new TreeSet<>()).add(state);
            if (state.equals("finished")) {
                assertThat(e.getString("error")).isEqualTo("OK");
            }
            if (state.equals("run")) {
                clockOfRun.put("#" + seqno, e.getLong("clockNanos"));
            }
        }
        // Four jobs, seqnos 1 to 4, each seen through its whole life.
        assertThat(states.keySet()).containsExactlyInAnyOrder(1L, 2L, 3L, 4L);
        // Nothing timed out, was cancelled or killed: exactly six state changes per job.
        assertThat(states.values()).allSatisfy(s ->
                assertThat(s).containsExactlyInAnyOrder("submitted", "runnable", "run", "hw_done", "finished", "freed"));
        assertThat(count).isEqualTo(4 * 6);
        // All finished fences of one entity share its fence context.
        assertThat(contexts).hasSize(1);
        // The scheduler's clock is virtual time: the jobs were handed to the ring at 0, 3, 10, 13 ms.
        assertThat(clockOfRun).containsEntry("#1", 0L).containsEntry("#2", 3_000_000L)
                .containsEntry("#3", 10_000_000L).containsEntry("#4", 13_000_000L);
    }
}
