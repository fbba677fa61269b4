package org.gpusched.vulkan.example;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.vulkan.ComputeProgram;
import org.gpusched.vulkan.JobLog;
import org.gpusched.vulkan.SpinCalibration;
import org.gpusched.vulkan.VulkanDevice;
import org.gpusched.vulkan.VulkanJob;
import org.gpusched.vulkan.VulkanRing;
import org.gpusched.vulkan.VulkanUnavailableException;

/**
 * Three clients at different priorities share one Vulkan queue through one gpusched scheduler
 * ({@code examples/vulkan/run [seconds] [device]}): a high-priority "compositor" with short
 * frames, a normal "game" and a low-priority "miner" with long jobs, each keeping a few jobs
 * queued. Every job is a real dispatch of the spin shader (calibrated to the job's length),
 * which also appends (client, seq) to a log buffer; at the end the example prints what each
 * client got: jobs, GPU time, share, wait and latency, and checks the log (every job ran
 * once, in order).
 */
public final class ThreeClients {

    private ThreeClients() {
    }

    /** One client: its name, priority, job length and how many jobs it keeps queued. */
    private record Client(String name, Priority priority, long jobMicros, int inFlight) {
    }

    /** A submitted job and when it was submitted. */
    private record Sub(SubmittedJob<VulkanJob> job, long submittedNanos) {
    }

    /**
     * What a client got.
     *
     * @param name             client
     * @param priority         its priority
     * @param jobs             jobs it ran
     * @param gpuMicros        GPU time of its jobs (timestamps)
     * @param share            its part of all GPU time
     * @param waitP50Micros    median time from submission to the queue
     * @param latencyP99Micros 99th percentile from submission to finished
     * @param inOrder          whether the GPU's log shows each of its jobs once, in order, and all ended well
     */
    public record Outcome(String name, Priority priority, int jobs, long gpuMicros, double share, double waitP50Micros,
                         double latencyP99Micros, boolean inOrder) {
    }

    /**
     * Runs the example: {@code [seconds (default 3)] [device]}. Without Vulkan (no loader, no
     * driver, no usable device) it prints one line on standard error and exits with status 3.
     */
    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        VulkanDevice opened;
        try {
            opened = VulkanDevice.open(args.length > 1 ? args[1] : null);
        } catch (VulkanUnavailableException e) {
            System.err.println("vulkan unavailable: " + e.getMessage());
            System.exit(3);
            return;
        }
        try (VulkanDevice dev = opened) {
            System.out.println("device: " + dev.describe());
            List<Outcome> outcomes = run(dev, Duration.ofMillis((long) (seconds * 1000)));
            System.out.printf(Locale.ROOT, "%n%-10s %-6s %6s %10s %6s %12s %14s %s%n", "client", "prio", "jobs",
                    "GPU ms", "share", "wait p50 us", "latency p99 us", "log");
            for (Outcome o : outcomes) {
                System.out.printf(Locale.ROOT, "%-10s %-6s %6d %10.1f %5.0f%% %12.0f %14.0f %s%n", o.name(),
                        o.priority().name().toLowerCase(Locale.ROOT), o.jobs(), o.gpuMicros() / 1000.0, 100 * o.share(),
                        o.waitP50Micros(), o.latencyP99Micros(), o.inOrder() ? "every job once, in order" : "WRONG");
            }
        }
    }

    /** Runs the three clients on {@code dev} for {@code length} and returns what each got. */
    public static List<Outcome> run(VulkanDevice dev, Duration length) throws InterruptedException {
        SpinCalibration cal = SpinCalibration.measure(dev);
        System.out.println(cal.describe());
        List<Client> clients = List.of(new Client("compositor", Priority.HIGH, 500, 1),
                new Client("game", Priority.NORMAL, 2_000, 2), new Client("miner", Priority.LOW, 8_000, 4));
        ComputeProgram spin = dev.builtin("spin");
        List<List<Sub>> jobs = new ArrayList<>();
        try (JobLog log = new JobLog(dev, 100_000); VulkanRing ring = dev.ring("queue0").depth(2).timestamps(true).build()) {
            long set = spin.bind(log.buffer());
            try (Scheduler<VulkanJob> sched = ring.schedulerBuilder().build()) {
                List<Entity<VulkanJob>> es = new ArrayList<>();
                for (Client c : clients) {
                    es.add(sched.newEntity(c.name(), c.priority()));
                    jobs.add(new ArrayList<>());
                }
                long end = System.nanoTime() + length.toNanos();
                // One submitting loop for the three clients: each keeps its number of jobs queued.
                while (System.nanoTime() < end) {
                    boolean submitted = false;
                    for (int i = 0; i < clients.size(); i++) {
                        Client c = clients.get(i);
                        List<Sub> mine = jobs.get(i);
                        long open = mine.stream().skip(Math.max(0, mine.size() - c.inFlight())).filter(j -> !j.job().finished().isSignaled()).count();
                        if (open < c.inFlight()) {
                            int seq = mine.size() + 1;
                            long rounds = cal.roundsFor(c.jobMicros() * 1000);
                            long now = System.nanoTime();
                            mine.add(new Sub(es.get(i).job(spin.dispatch(set, 1, 1, 1).pushConstants(i + 1, seq, (int) rounds))
                                    .submit(), now));
                            submitted = true;
                        }
                    }
                    if (!submitted) {
                        Thread.sleep(0, 200_000);
                    }
                }
                for (List<Sub> mine : jobs) {
                    if (!mine.isEmpty() && !mine.getLast().job().finished().await(Duration.ofSeconds(60))) {
                        throw new IllegalStateException("a client's last job did not finish");
                    }
                }
            }
            return outcomes(clients, jobs, log);
        }
    }

    private static List<Outcome> outcomes(List<Client> clients, List<List<Sub>> jobs, JobLog log) {
        long total = 0;
        long[] gpu = new long[clients.size()];
        for (int i = 0; i < clients.size(); i++) {
            for (Sub j : jobs.get(i)) {
                gpu[i] += Math.max(0, j.job().payload().gpuNanos());
            }
            total += gpu[i];
        }
        List<Outcome> out = new ArrayList<>();
        for (int i = 0; i < clients.size(); i++) {
            List<Sub> mine = jobs.get(i);
            double[] waits = new double[mine.size()];
            double[] lat = new double[mine.size()];
            boolean ok = true;
            for (int k = 0; k < mine.size(); k++) {
                SubmittedJob<VulkanJob> j = mine.get(k).job();
                ok &= j.finished().error() == FenceError.NONE;
                waits[k] = (j.scheduled().timestampNanos() - mine.get(k).submittedNanos()) / 1000.0;
                lat[k] = (j.finished().timestampNanos() - mine.get(k).submittedNanos()) / 1000.0;
            }
            int entity = i + 1;
            List<Integer> seqs = log.entries().stream().filter(e -> e.entity() == entity).map(JobLog.Entry::seq).toList();
            ok &= seqs.equals(java.util.stream.IntStream.rangeClosed(1, mine.size()).boxed().toList());
            Client c = clients.get(i);
            out.add(new Outcome(c.name(), c.priority(), mine.size(), gpu[i] / 1000, total == 0 ? 0 : (double) gpu[i] / total,
                    percentile(waits, 0.5), percentile(lat, 0.99), ok));
        }
        return out;
    }

    private static double percentile(double[] v, double p) {
        if (v.length == 0) {
            return 0;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p * s.length) - 1)];
    }
}
