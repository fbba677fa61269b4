package org.gpusched.bench;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark in one go and prints the tables of docs/performance.md, each gpusched
 * figure next to the baseline's from the same run and their ratio. {@code --quick} shortens
 * warm-up and measurement (for a smoke run; the published figures use the default).
 */
public final class BenchMain {

    private final boolean quick;
    private final String resultsDir;

    private BenchMain(boolean quick, String resultsDir) {
        this.quick = quick;
        this.resultsDir = resultsDir;
    }

    /** {@code [--quick] [--results DIR]}. */
    public static void main(String[] args) throws Exception {
        boolean quick = false;
        String dir = "bench/target";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--quick")) {
                quick = true;
            } else if (args[i].equals("--results") && i + 1 < args.length) {
                dir = args[++i];
            } else {
                System.err.println("usage: BenchMain [--quick] [--results DIR]");
                System.exit(2);
            }
        }
        java.nio.file.Files.createDirectories(java.nio.file.Path.of(dir)); // JMH does not create it
        new BenchMain(quick, dir).run();
        System.exit(0);
    }

    private ChainedOptionsBuilder options(String include, String name) {
        ChainedOptionsBuilder o = new OptionsBuilder().include(include).forks(1)
                .jvmArgsAppend("-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch")
                .warmupIterations(quick ? 1 : 3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(quick ? 2 : 5).measurementTime(TimeValue.seconds(1))
                .resultFormat(ResultFormatType.JSON).result(resultsDir + "/jmh-" + name + ".json");
        return o;
    }

    private void run() throws Exception {
        StringBuilder out = new StringBuilder();
        out.append("JDK ").append(Runtime.version()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs").append(quick ? ", QUICK run (not for publication)" : "").append("\n\n");

        Collection<RunResult> tp = new Runner(options(Throughput.class.getName(), "throughput").build()).run();
        out.append("### Throughput (jobs/s; hardware fences signal at once)\n\n");
        out.append("| entities | submitters | FIFO | FAIR | baseline | FIFO / baseline | FAIR / baseline |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String entities : new String[] {"1", "64", "10000"}) {
            for (String method : new String[] {"oneSubmitter", "twoSubmitters"}) {
                Map<String, Double> by = new LinkedHashMap<>();
                for (RunResult r : tp) {
                    if (r.getParams().getBenchmark().endsWith(method) && r.getParams().getParam("entities").equals(entities)) {
                        by.put(r.getParams().getParam("scheduler"), r.getPrimaryResult().getScore());
                    }
                }
                double b = by.getOrDefault("BASELINE", Double.NaN);
                out.append(String.format(Locale.ROOT, "| %s | %d | %,.0f | %,.0f | %,.0f | %.1fx | %.1fx |%n", entities,
                        method.equals("oneSubmitter") ? 1 : 2, by.get("FIFO"), by.get("FAIR"), b,
                        by.get("FIFO") / b, by.get("FAIR") / b));
            }
        }

        out.append("\n").append(latencyTable("Submit to run on an idle scheduler (us)",
                new Runner(options(SubmitToRun.class.getName(), "submit-to-run").build()).run()));
        out.append("\n").append(latencyTable("Turnaround: hardware fence signalled to the next job's run (us)",
                new Runner(options(Turnaround.class.getName(), "turnaround").build()).run()));

        Collection<RunResult> pp = new Runner(options(PingPong.class.getName(), "ping-pong").build()).run();
        Map<String, Double> ping = new LinkedHashMap<>();
        for (RunResult r : pp) {
            ping.put(r.getParams().getParam("scheduler"), r.getPrimaryResult().getScore());
        }
        out.append(String.format(Locale.ROOT, "%n### Dependency ping-pong (2 entities, each job depends on the other's last)%n%n"
                + "| gpusched jobs/s | baseline jobs/s | ratio |%n|---:|---:|---:|%n| %,.0f | %,.0f | %.1fx |%n",
                ping.get("gpusched"), ping.get("baseline"), ping.get("gpusched") / ping.get("baseline")));

        Collection<RunResult> gc = new Runner(options(Throughput.class.getName() + ".oneSubmitter", "alloc")
                .param("entities", "1", "10000").param("scheduler", "FIFO", "FAIR", "BASELINE")
                .addProfiler(GCProfiler.class).build()).run();
        out.append("\n### Bytes allocated per job (JMH -prof gc, gc.alloc.rate.norm, one submitter)\n\n");
        out.append("| entities | FIFO | FAIR | baseline |\n|---:|---:|---:|---:|\n");
        for (String entities : new String[] {"1", "10000"}) {
            Map<String, Double> by = new LinkedHashMap<>();
            for (RunResult r : gc) {
                if (r.getParams().getParam("entities").equals(entities)) {
                    Result<?> norm = r.getSecondaryResults().get("gc.alloc.rate.norm");
                    by.put(r.getParams().getParam("scheduler"), norm == null ? Double.NaN : norm.getScore());
                }
            }
            out.append(String.format(Locale.ROOT, "| %s | %.0f B | %.0f B | %.0f B |%n", entities, by.get("FIFO"),
                    by.get("FAIR"), by.get("BASELINE")));
        }

        int queued = quick ? 200_000 : 1_000_000;
        out.append(String.format(Locale.ROOT, "%n### Retained heap per queued job (%,d jobs queued)%n%n"
                + "| gpusched | baseline |%n|---:|---:|%n| %.0f B | %.0f B |%n", queued, RetainedHeap.gpusched(queued),
                RetainedHeap.baseline(queued)));

        System.out.println();
        System.out.println(out);
        java.nio.file.Files.writeString(java.nio.file.Path.of(resultsDir, "summary.md"), out.toString());
        System.out.println("(also written to " + resultsDir + "/summary.md; raw JMH results in " + resultsDir + "/jmh-*.json)");
    }

    private static String latencyTable(String title, Collection<RunResult> results) {
        StringBuilder b = new StringBuilder("### ").append(title).append("\n\n");
        b.append("| scheduler | p50 | p99 | p99.9 | samples | p50 / baseline |\n|---|---:|---:|---:|---:|---:|\n");
        Map<String, RunResult> by = new LinkedHashMap<>();
        for (RunResult r : results) {
            by.put(r.getParams().getParam("scheduler"), r);
        }
        double base = by.get("baseline").getPrimaryResult().getStatistics().getPercentile(50);
        for (Map.Entry<String, RunResult> e : by.entrySet()) {
            var s = e.getValue().getPrimaryResult().getStatistics();
            b.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %,d | %.2fx |%n", e.getKey(), s.getPercentile(50),
                    s.getPercentile(99), s.getPercentile(99.9), s.getN(), s.getPercentile(50) / base));
        }
        return b.toString();
    }
}
