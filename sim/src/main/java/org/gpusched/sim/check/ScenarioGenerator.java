package org.gpusched.sim.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Policy;
import org.gpusched.sched.Priority;

/**
 * Draws a {@link RandomScenario} from a seed. Every draw comes from one
 * {@link SplittableRandom}, in a fixed order, so a seed always gives the same scenario.
 * Times are whole microseconds: coarse enough that events often coincide (ties are where
 * ordering bugs live), fine enough for timeouts and durations.
 */
final class ScenarioGenerator {

    private static final long US = 1_000;
    private static final long MS = 1_000_000;
    private static final Policy[] POLICIES = Policy.values();
    private static final Priority[] PRIORITIES = Priority.values();
    /** Errors a failing job's hardware fence signals with: none the scheduler produces itself. */
    private static final FenceError[] JOB_ERRORS = {FenceError.of(-71), FenceError.of(-14), FenceError.of(-28)};

    private final long seed;
    private final ScenarioConfig cfg;
    private final SplittableRandom rng;

    ScenarioGenerator(long seed, ScenarioConfig cfg) {
        this.seed = seed;
        this.cfg = cfg;
        this.rng = new SplittableRandom(seed);
    }

    RandomScenario generate() {
        List<SchedulerPlan> schedulers = schedulers();
        List<EntityPlan> entities = entities(schedulers.size());
        int jobCount = cfg.minJobs() + rng.nextInt(cfg.maxJobs() - cfg.minJobs() + 1);
        int timelines = 1 + rng.nextInt(2);
        List<DriverFencePlan> driver = driverFences(timelines, rng.nextInt(2 + jobCount / 8));
        List<JobPlan> jobs = jobs(jobCount, schedulers, entities, driver.size());
        List<ScenarioAction> actions = actions(schedulers, entities);
        List<ScenarioAction> closes = finalCloses(schedulers.size(), entities.size());
        long lastAction = actions.isEmpty() ? 0 : actions.getLast().atNanos();
        long gpuTime = 0;
        for (JobPlan j : jobs) {
            gpuTime += j.durationNanos() == 0 || j.hang() ? 50 * MS : j.durationNanos(); // a timeout at most
        }
        long drainUntil;
        if (chance(15)) {
            // teardown under load: the final closes come while work is queued and in flight
            drainUntil = lastAction + micros(0, window() / US);
        } else {
            // room for every job to run back to back on one ring: the run normally settles well before
            drainUntil = Math.max(lastAction, window() * 2) + gpuTime + 50 * MS;
        }
        return new RandomScenario(seed, cfg, schedulers, entities, timelines, driver, jobs, actions, closes, drainUntil);
    }

    // ------------------------------------------------------------------ structure

    private List<SchedulerPlan> schedulers() {
        int n = 1 + rng.nextInt(cfg.maxSchedulers());
        List<SchedulerPlan> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int limit = 1 + rng.nextInt(8);
            Policy policy = POLICIES[rng.nextInt(POLICIES.length)];
            long timeout = chance(40) ? -1 : micros(1_000, 50_000);
            // without a tick, manual and hanging jobs end only by timeout (or close)
            long tick = timeout >= 0 && chance(20) ? 0 : logUniformMicros(200, 10_000);
            // direct-run changes which thread runs the work, never the rules: check it too
            out.add(new SchedulerPlan("s" + i, limit, policy, timeout, tick, chance(25)));
        }
        return out;
    }

    private List<EntityPlan> entities(int schedulers) {
        int n = 1 + rng.nextInt(cfg.maxEntities());
        List<EntityPlan> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Priority p = PRIORITIES[rng.nextInt(PRIORITIES.length)];
            out.add(new EntityPlan("e" + i, p, schedulerSubset(schedulers)));
        }
        return out;
    }

    /** Mostly one scheduler; sometimes several, in random order (a load-balanced entity). */
    private List<Integer> schedulerSubset(int schedulers) {
        if (schedulers > 1 && chance(30)) {
            int[] order = shuffled(schedulers);
            int k = 2 + rng.nextInt(schedulers - 1);
            List<Integer> on = new ArrayList<>(k);
            for (int j = 0; j < k; j++) {
                on.add(order[j]);
            }
            return on;
        }
        return List.of(rng.nextInt(schedulers));
    }

    /** Driver fences, per timeline in signal order (the timeline promise). */
    private List<DriverFencePlan> driverFences(int timelines, int count) {
        List<DriverFencePlan> out = new ArrayList<>(count);
        for (int t = 0; t < timelines; t++) {
            int n = count / timelines + (t < count % timelines ? 1 : 0);
            long[] times = new long[n];
            for (int i = 0; i < n; i++) {
                times[i] = micros(0, window() * 3 / 2 / US);
            }
            Arrays.sort(times);
            for (long at : times) {
                FenceError err = chance(15) ? JOB_ERRORS[rng.nextInt(JOB_ERRORS.length)] : FenceError.NONE;
                out.add(new DriverFencePlan(t, at, err));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ jobs

    private List<JobPlan> jobs(int n, List<SchedulerPlan> schedulers, List<EntityPlan> entities, int driverFences) {
        long[] at = new long[n];
        for (int i = 0; i < n; i++) {
            at[i] = micros(0, window() / US);
        }
        Arrays.sort(at);
        for (int i = 1; i < n; i++) {
            if (chance(20)) {
                at[i] = at[i - 1]; // a burst: several submissions at one instant
            }
        }
        List<JobPlan> out = new ArrayList<>(n);
        int entity = rng.nextInt(entities.size());
        for (int i = 0; i < n; i++) {
            if (!chance(50)) {
                entity = rng.nextInt(entities.size());
            }
            int limit = 1;
            for (int s : entities.get(entity).schedulers()) {
                limit = Math.max(limit, schedulers.get(s).creditLimit());
            }
            int credits = 1 + rng.nextInt(limit + 2);
            int shape = rng.nextInt(100);
            long duration = shape < 7 ? 0 : logUniformMicros(10, 5_000);
            boolean hang = shape >= 7 && shape < 10;
            // a manual or hanging job that is never reset would stall a ring without a tick for good
            boolean dontReset = (duration > 0 && !hang) && chance(8);
            FenceError failWith = chance(5) ? JOB_ERRORS[rng.nextInt(JOB_ERRORS.length)] : FenceError.NONE;
            JobPlan.Trigger trigger = JobPlan.Trigger.AT_TIME;
            int triggerJob = -1;
            int t = rng.nextInt(100);
            if (i > 0 && t < 15) {
                trigger = t < 10 ? JobPlan.Trigger.ON_FINISHED : JobPlan.Trigger.ON_SCHEDULED;
                triggerJob = i - 1 - rng.nextInt(Math.min(i, 8));
            }
            out.add(new JobPlan(i, entity, at[i], trigger, triggerJob, credits, duration, hang, dontReset, failWith,
                    dependencies(i, driverFences), faults(driverFences)));
        }
        return out;
    }

    private List<Dependency> dependencies(int job, int driverFences) {
        int r = rng.nextInt(100);
        int k = r < 45 ? 0 : r < 75 ? 1 : r < 92 ? 2 : 3;
        List<Dependency> deps = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            if (driverFences > 0 && (job == 0 || chance(15))) {
                deps.add(new Dependency(Dependency.Kind.DRIVER, rng.nextInt(driverFences)));
            } else if (job > 1 && chance(8)) {
                int a = job - 1 - rng.nextInt(Math.min(job, 16));
                int b = job - 1 - rng.nextInt(Math.min(job, 16));
                deps.add(new Dependency(chance(50) ? Dependency.Kind.ALL : Dependency.Kind.ANY, a, b));
            } else if (job > 0) {
                int target = chance(80) ? job - 1 - rng.nextInt(Math.min(job, 16)) : rng.nextInt(job);
                Dependency.Kind kind = chance(75) ? Dependency.Kind.FINISHED : Dependency.Kind.SCHEDULED;
                deps.add(new Dependency(kind, target));
            }
        }
        return deps;
    }

    private JobFaults faults(int driverFences) {
        if (!chance(18)) {
            return JobFaults.NONE;
        }
        JobFaults.PrepareFault prepare = JobFaults.PrepareFault.NONE;
        int prepareFence = -1;
        int p = rng.nextInt(100);
        if (p < 15) {
            prepare = JobFaults.PrepareFault.THROW;
        } else if (p < 40 && driverFences > 0) {
            prepare = JobFaults.PrepareFault.EXTRA_FENCE;
            prepareFence = rng.nextInt(driverFences);
        }
        JobFaults.RunFault run = pick(JobFaults.RunFault.values(), 25);
        JobFaults.TimedOutFault timedOut = pick(JobFaults.TimedOutFault.values(), 35);
        JobFaults.CancelFault cancel = pick(JobFaults.CancelFault.values(), 30);
        boolean freeThrows = chance(20);
        return new JobFaults(prepare, prepareFence, run, timedOut, cancel, freeThrows);
    }

    /** The first value (NONE) unless a {@code percent} chance picks one of the others. */
    private <T> T pick(T[] values, int percent) {
        return chance(percent) ? values[1 + rng.nextInt(values.length - 1)] : values[0];
    }

    // ------------------------------------------------------------------ actions

    private List<ScenarioAction> actions(List<SchedulerPlan> schedulers, List<EntityPlan> entities) {
        List<ScenarioAction> out = new ArrayList<>();
        long span = window() * 3 / 2 / US;
        int priorityChanges = rng.nextInt(6);
        for (int i = 0; i < priorityChanges; i++) {
            out.add(new ScenarioAction.SetPriority(micros(0, span), rng.nextInt(entities.size()),
                    PRIORITIES[rng.nextInt(PRIORITIES.length)]));
        }
        if (schedulers.size() > 1) {
            int moves = rng.nextInt(4);
            for (int i = 0; i < moves; i++) {
                out.add(new ScenarioAction.SetSchedulers(micros(0, span), rng.nextInt(entities.size()),
                        schedulerSubset(schedulers.size())));
            }
        }
        int strayAdvances = rng.nextInt(4);
        for (int i = 0; i < strayAdvances; i++) {
            // beside the rings' ticks: advances that may hit an idle ring or complete two jobs
            out.add(new ScenarioAction.Advance(micros(0, span * 2), rng.nextInt(schedulers.size()), 1 + rng.nextInt(2)));
        }
        if (chance(8)) {
            out.add(new ScenarioAction.LoseDevice(micros(0, span), rng.nextInt(schedulers.size())));
        }
        for (int e = 0; e < entities.size(); e++) {
            if (chance(20)) {
                long flush = chance(50) ? 0 : micros(100, 5_000);
                out.add(new ScenarioAction.CloseEntity(micros(0, span), e, flush));
            }
        }
        if (chance(12)) {
            out.add(new ScenarioAction.CloseScheduler(micros(span / 5, span), rng.nextInt(schedulers.size())));
        }
        out.sort(Comparator.comparingLong(ScenarioAction::atNanos)); // stable: equal times keep plan order
        return out;
    }

    /** Every entity and every scheduler, closed in a random interleaving. */
    private List<ScenarioAction> finalCloses(int schedulers, int entities) {
        int[] order = shuffled(schedulers + entities);
        List<ScenarioAction> out = new ArrayList<>(order.length);
        for (int i : order) {
            if (i < entities) {
                out.add(new ScenarioAction.CloseEntity(-1, i, chance(70) ? 0 : micros(1_000, 3_000)));
            } else {
                out.add(new ScenarioAction.CloseScheduler(-1, i - entities));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ draws

    private long window() {
        return cfg.submitWindowNanos();
    }

    private boolean chance(int percent) {
        return rng.nextInt(100) < percent;
    }

    /** A whole number of microseconds in {@code [lo, hi]}, in nanoseconds. */
    private long micros(long lo, long hi) {
        return (lo + rng.nextLong(hi - lo + 1)) * US;
    }

    /** Log-uniform in {@code [lo, hi]} microseconds: mostly short jobs, some long ones. */
    private long logUniformMicros(long lo, long hi) {
        double x = Math.log(lo) + rng.nextDouble() * (Math.log(hi) - Math.log(lo));
        return Math.max(lo, Math.min(hi, Math.round(Math.exp(x)))) * US;
    }

    private int[] shuffled(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
