package org.gpusched.sim.scenario;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.gpusched.exec.Dispatcher;
import org.gpusched.exec.RealtimeDispatcher;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Backend;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobEvent;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SchedulerObserver;
import org.gpusched.sim.SimJob;
import org.gpusched.sim.SimRing;
import org.gpusched.sim.scenario.Scenario.ClientSpec;
import org.gpusched.sim.scenario.Scenario.SchedulerSpec;
import org.gpusched.sim.scenario.ScenarioResult.ClientResult;
import org.gpusched.sim.scenario.ScenarioResult.Fairness;
import org.gpusched.sim.scenario.ScenarioResult.JobSpan;
import org.gpusched.sim.scenario.ScenarioResult.ProgressSample;
import org.gpusched.sim.scenario.ScenarioResult.SchedulerResult;

/**
 * Runs a {@link Scenario} against the scheduler on simulated rings and measures it.
 *
 * <p>In {@link Mode#VIRTUAL} (the default) everything runs on a {@link VirtualDispatcher}: the
 * result depends only on the scenario, so the same file gives the same result, bit for bit. In
 * {@link Mode#REALTIME} the same clients, rings and schedulers run on real threads with
 * wall-clock timers, and the result also reports the scheduler's own turnaround.
 *
 * <p>Each call builds its own dispatcher, rings, schedulers and entities and tears them down;
 * calls are independent and may run concurrently (realtime runs then compete for the CPU).
 */
public final class ScenarioRunner {

    /** Where time comes from. */
    public enum Mode {
        /** Deterministic virtual time. */
        VIRTUAL,
        /** Real threads and the wall clock. */
        REALTIME
    }

    /** Progress during a run; realtime calls come from a timer thread. */
    @FunctionalInterface
    public interface ProgressListener {
        /**
         * @param elapsedNanos    scenario time so far
         * @param cyclesCompleted cycles completed by all clients
         * @param cyclesPlanned   cycles planned by all clients
         */
        void onProgress(long elapsedNanos, long cyclesCompleted, long cyclesPlanned);
    }

    /**
     * Builds the backend of each scheduler of a scenario: by default a {@link SimRing}. Another
     * factory runs the same jobs on other hardware (the Vulkan backend's lab ring turns each
     * job's duration into real GPU work); such a backend must record each job's hardware times
     * with {@link SimJob#recordHardware} before its hardware fence signals, and needs
     * {@link Mode#REALTIME}.
     */
    @FunctionalInterface
    public interface RingFactory {
        /** The backend for scheduler {@code spec}, on {@code dispatcher}. */
        Backend<SimJob> create(SchedulerSpec spec, Dispatcher dispatcher);

        /** The simulated ring (the default). */
        RingFactory SIMULATED = (spec, d) -> new SimRing(spec.name(), d);
    }

    /** Sampling period of the progress series (the kernel's 100 ms). */
    static final long SAMPLE_NANOS = 100_000_000L;

    private ScenarioRunner() {
    }

    /** Runs {@code scenario} in {@code mode} without progress reports. */
    public static ScenarioResult run(Scenario scenario, Mode mode) {
        return run(scenario, mode, (t, c, p) -> { });
    }

    /** Runs {@code scenario} in {@code mode}, reporting progress every 100 ms of scenario time. */
    public static ScenarioResult run(Scenario scenario, Mode mode, ProgressListener listener) {
        return run(scenario, mode, listener, RingFactory.SIMULATED);
    }

    /**
     * Runs {@code scenario} in {@code mode} on the backends {@code rings} builds (one per
     * scheduler; the caller closes what they hold once this returns), reporting progress every
     * 100 ms of scenario time.
     */
    public static ScenarioResult run(Scenario scenario, Mode mode, ProgressListener listener, RingFactory rings) {
        Dispatcher d = mode == Mode.VIRTUAL ? new VirtualDispatcher() : new RealtimeDispatcher("gpusched-lab", 2);
        try {
            return new Lab(scenario, mode, d, listener, rings).run();
        } finally {
            d.close();
        }
    }

    /** One run's objects. */
    private static final class Lab {
        private final Scenario sc;
        private final Mode mode;
        private final Dispatcher d;
        private final ProgressListener listener;
        private final RingFactory rings;
        private final Map<String, Scheduler<SimJob>> scheds = new LinkedHashMap<>();
        private final List<ClientDriver> drivers = new ArrayList<>();
        private final List<List<ProgressSample>> samples = new ArrayList<>();
        private final CountDownLatch clientsDone;
        private final CountDownLatch samplingDone = new CountDownLatch(1);
        private volatile boolean stopSampling;
        private long start;

        Lab(Scenario sc, Mode mode, Dispatcher d, ProgressListener listener, RingFactory rings) {
            this.sc = sc;
            this.mode = mode;
            this.d = d;
            this.listener = listener;
            this.rings = rings;
            this.clientsDone = new CountDownLatch(sc.clients().size());
        }

        ScenarioResult run() {
            SchedulerObserver recorder = new Recorder();
            for (SchedulerSpec s : sc.schedulers()) {
                Backend<SimJob> ring = rings.create(s, d);
                scheds.put(s.name(), Scheduler.builder(ring).name(s.name()).creditLimit(s.creditLimit())
                        .timeout(s.timeoutNanos() < 0 ? null : Duration.ofNanos(s.timeoutNanos()))
                        .policy(sc.policy()).dispatcher(d).observer(recorder).build());
            }
            for (int i = 0; i < sc.clients().size(); i++) {
                ClientSpec c = sc.clients().get(i);
                List<Scheduler<SimJob>> list = c.schedulers().stream().map(scheds::get).toList();
                Entity<SimJob> e = Entity.create(c.name(), c.priority(), list);
                drivers.add(new ClientDriver(c, i, e, sc.cyclesOf(c), sc.releaseAtNanos(), d, drivers,
                        clientsDone::countDown));
                samples.add(new ArrayList<>());
            }
            start = d.clock().nanoTime();
            for (ClientDriver c : drivers) {
                d.schedule(start, c::begin);
            }
            scheduleSample(start); // like every sample: after the other events of its instant
            long bound = boundNanos();
            boolean completed = await(bound);
            stopSampling = true;
            long end = d.clock().nanoTime();
            for (ClientDriver c : drivers) {
                c.entity.close(Duration.ZERO);
            }
            for (Scheduler<SimJob> s : scheds.values()) {
                s.close();
            }
            return result(completed, end);
        }

        /** Generous bound on scenario time: a scenario that needs longer is reported unfinished. */
        private long boundNanos() {
            long longest = sc.durationNanos();
            for (ClientSpec c : sc.clients()) {
                longest = Math.max(longest, sc.durationOf(c));
            }
            return Math.max(longest * 20, Math.max(sc.releaseAtNanos(), 0) + longest * 20) + 10_000_000_000L;
        }

        private boolean await(long bound) {
            if (d instanceof VirtualDispatcher v) {
                v.runUntil(() -> samplingDone.getCount() == 0, bound);
                return clientsDone.getCount() == 0;
            }
            try {
                boolean ok = clientsDone.await(bound, TimeUnit.NANOSECONDS);
                samplingDone.await(2 * SAMPLE_NANOS, TimeUnit.NANOSECONDS);
                return ok;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** Takes a progress sample and schedules the next one, until a sample sees every client done. */
        private void sample(long t) {
            long cycles = 0;
            long planned = 0;
            boolean all = true;
            for (int i = 0; i < drivers.size(); i++) {
                ClientDriver c = drivers.get(i);
                long done = c.cyclesCompleted;
                samples.get(i).add(new ProgressSample((t - start) / 1000, done, c.entity.queueDepth()));
                cycles += done;
                planned += c.cyclesPlanned;
                all &= c.isDone();
            }
            listener.onProgress(t - start, cycles, planned);
            if (all || stopSampling) {
                samplingDone.countDown();
                return;
            }
            scheduleSample(t + SAMPLE_NANOS);
        }

        private void scheduleSample(long t) {
            if (d instanceof VirtualDispatcher v) {
                v.scheduleLate(t, () -> sample(t));
            } else {
                d.schedule(t, () -> sample(t));
            }
        }

        // ------------------------------------------------------------------ results

        private ScenarioResult result(boolean completed, long end) {
            List<JobSpan> spans = new ArrayList<>();
            long makespan = 0;
            for (ClientDriver c : drivers) {
                for (JobRecord r : c.jobs) {
                    spans.add(span(r));
                    if (r.finishedNanos >= 0) {
                        makespan = Math.max(makespan, r.finishedNanos - start);
                    }
                }
            }
            List<SchedulerResult> schedResults = new ArrayList<>();
            for (SchedulerSpec s : sc.schedulers()) {
                long busy = 0;
                long jobs = 0;
                for (ClientDriver c : drivers) {
                    for (JobRecord r : c.jobs) {
                        if (s.name().equals(r.scheduler) && r.ran()) {
                            busy += r.gpuNanos();
                            jobs++;
                        }
                    }
                }
                schedResults.add(new SchedulerResult(s.name(), s.creditLimit(), busy / 1000, jobs));
            }
            long totalGpu = 0;
            for (ClientDriver c : drivers) {
                for (JobRecord r : c.jobs) {
                    totalGpu += r.gpuNanos();
                }
            }
            List<ClientResult> clients = new ArrayList<>();
            for (int i = 0; i < drivers.size(); i++) {
                clients.add(client(drivers.get(i), samples.get(i), totalGpu, end));
            }
            Fairness fairness = new Fairness(jain(), avgMaxMinDelta());
            return new ScenarioResult(sc.name(), sc.policy().name().toLowerCase(Locale.ROOT),
                    mode == Mode.VIRTUAL ? "virtual" : "realtime", makespan / 1000, sc.durationNanos() / 1000,
                    schedResults, clients, fairness, mode == Mode.REALTIME ? turnaround() : null, completed, spans);
        }

        private JobSpan span(JobRecord r) {
            FenceError e = r.error;
            return new JobSpan(r.client.spec.name(), r.index, r.cycle, r.scheduler, rel(r.submitNanos),
                    rel(r.runnableNanos), rel(r.runNanos), rel(r.sim.hwStartNanos()), rel(r.sim.hwEndNanos()),
                    rel(r.finishedNanos), e == null ? null : e.name());
        }

        private long rel(long t) {
            return t < 0 ? -1 : t - start;
        }

        private ClientResult client(ClientDriver c, List<ProgressSample> progress, long totalGpu, long end) {
            ClientSpec s = c.spec;
            long ok = 0;
            long failed = 0;
            long gpu = 0;
            long[] waits = new long[c.jobs.size()];
            int nw = 0;
            for (JobRecord r : c.jobs) {
                gpu += r.gpuNanos();
                if (r.finishedNanos >= 0) {
                    if (r.error == null || !r.error.isError()) {
                        ok++;
                    } else {
                        failed++;
                    }
                }
                if (r.runNanos >= 0) {
                    waits[nw++] = r.runNanos - r.submitNanos;
                }
            }
            long elapsed = (c.isDone() ? c.doneNanos : end) - start;
            long ideal = c.cyclesPlanned * s.periodNanos();
            long starved = starvation(c);
            Stats latency = c.latencyStats();
            String verdict = verdict(c, elapsed, ideal, starved, latency, failed);
            return new ClientResult(s.name(), s.priority().name().toLowerCase(Locale.ROOT), s.sync(), c.cyclesPlanned,
                    c.cyclesCompleted, ok, failed, elapsed / 1000, ideal / 1000, gpu / 1000,
                    totalGpu == 0 ? 0 : round4((double) gpu / totalGpu), c.cycleStats(), latency,
                    Stats.ofNanos(waits, nw), progress, starved / 1000, verdict, c.isDone());
        }

        /**
         * The longest time the client had work whose dependencies were satisfied, yet none of
         * its jobs was handed to the ring.
         */
        private static long starvation(ClientDriver c) {
            List<long[]> events = new ArrayList<>(); // {time, +1 runnable / -1 ran}
            for (JobRecord r : c.jobs) {
                if (r.runnableNanos >= 0) {
                    events.add(new long[] {r.runnableNanos, 1});
                    events.add(new long[] {r.runNanos >= 0 ? r.runNanos : Long.MAX_VALUE, -1});
                }
            }
            events.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
            long pending = 0;
            long since = 0;
            long worst = 0;
            for (long[] e : events) {
                if (e[0] == Long.MAX_VALUE) {
                    break;
                }
                if (pending > 0) {
                    worst = Math.max(worst, e[0] - since);
                }
                if (e[1] < 0) {
                    since = e[0]; // progress: a job started
                } else if (pending == 0) {
                    since = e[0];
                }
                pending += e[1];
            }
            return worst;
        }

        private static String verdict(ClientDriver c, long elapsed, long ideal, long starved, Stats latency, long failed) {
            String v;
            if (!c.isDone()) {
                v = "did not finish: " + c.cyclesCompleted + " of " + c.cyclesPlanned + " cycles";
            } else if (starved >= SAMPLE_NANOS) {
                v = "starved for " + starved / 1_000_000 + " ms";
            } else if (ideal > 0 && elapsed > ideal + ideal / 4) {
                v = String.format(Locale.ROOT, "slowed down: %.2fx its ideal time (%d ms vs %d ms)",
                        (double) elapsed / ideal, elapsed / 1_000_000, ideal / 1_000_000);
            } else {
                v = String.format(Locale.ROOT, "kept pace: %d ms vs ideal %d ms, latency p99 %.1f ms",
                        elapsed / 1_000_000, ideal / 1_000_000, latency.p99() / 1000.0);
            }
            if (failed > 0) {
                v += "; " + failed + (failed == 1 ? " job failed" : " jobs failed");
            }
            return v;
        }

        /** Jain's index of the clients' GPU time within the first scenario duration. */
        private double jain() {
            long window = start + sc.durationNanos();
            double sum = 0;
            double sumSq = 0;
            for (ClientDriver c : drivers) {
                long x = 0;
                for (JobRecord r : c.jobs) {
                    if (r.ran()) {
                        long a = Math.max(r.sim.hwStartNanos(), start);
                        long b = Math.min(r.sim.hwEndNanos(), window);
                        x += Math.max(0, b - a);
                    }
                }
                sum += x;
                sumSq += (double) x * x;
            }
            return sumSq == 0 ? 1.0 : round4(sum * sum / (drivers.size() * sumSq));
        }

        /**
         * The kernel's many-clients metric: the average, over the 100 ms samples up to the first
         * one that saw every client done, of (most cycles - fewest cycles) x 100, rounded up.
         */
        private long avgMaxMinDelta() {
            int n = samples.get(0).size();
            long total = 0;
            for (int k = 0; k < n; k++) {
                long min = Long.MAX_VALUE;
                long max = Long.MIN_VALUE;
                for (List<ProgressSample> s : samples) {
                    long v = s.get(k).cycles();
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                total += max - min;
            }
            return n == 0 ? 0 : (total * 100 + n - 1) / n;
        }

        /**
         * Realtime only: for each job that was waiting (runnable) when the previous job on its
         * ring left the hardware, the time from that moment to its run call.
         */
        private Stats turnaround() {
            List<long[]> samplesNs = new ArrayList<>();
            for (String name : scheds.keySet()) {
                List<JobRecord> ran = new ArrayList<>();
                for (ClientDriver c : drivers) {
                    for (JobRecord r : c.jobs) {
                        if (name.equals(r.scheduler) && r.runNanos >= 0) {
                            ran.add(r);
                        }
                    }
                }
                ran.sort(Comparator.comparingLong(r -> r.runNanos));
                List<Long> ends = new ArrayList<>();
                for (JobRecord r : ran) {
                    if (r.sim.hwEndNanos() >= 0) {
                        ends.add(r.sim.hwEndNanos());
                    }
                }
                ends.sort(null);
                long prevRun = Long.MIN_VALUE;
                for (JobRecord r : ran) {
                    long lastEnd = latestBefore(ends, r.runNanos);
                    if (lastEnd != Long.MIN_VALUE && lastEnd >= prevRun && r.runnableNanos >= 0
                            && r.runnableNanos <= lastEnd) {
                        samplesNs.add(new long[] {r.runNanos - lastEnd});
                    }
                    prevRun = r.runNanos;
                }
            }
            long[] v = new long[samplesNs.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = samplesNs.get(i)[0];
            }
            return Stats.ofNanos(v, v.length);
        }

        private static long latestBefore(List<Long> sorted, long t) {
            long best = Long.MIN_VALUE;
            for (long e : sorted) {
                if (e > t) {
                    break;
                }
                best = e;
            }
            return best;
        }

        private static double round4(double x) {
            return Math.round(x * 10_000.0) / 10_000.0;
        }
    }

    /** Fills in the job records from the scheduler's events. */
    private static final class Recorder implements SchedulerObserver {
        @Override
        public void onJobEvent(JobEvent event, JobView<?> job, long timeNanos) {
            if (!(job.payload() instanceof SimJob sim) || !(sim.tag() instanceof JobRecord r)) {
                return;
            }
            switch (event) {
                case RUNNABLE -> {
                    if (r.runnableNanos < 0) {
                        r.runnableNanos = timeNanos;
                    }
                }
                case RUN -> {
                    r.runNanos = timeNanos;
                    r.scheduler = job.schedulerName();
                }
                case KILLED -> r.scheduler = job.schedulerName();
                case FINISHED -> {
                    r.finishedNanos = timeNanos;
                    r.error = job.finished().error();
                }
                default -> {
                }
            }
        }
    }
}
