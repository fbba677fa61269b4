package org.gpusched.sim.soak;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import org.gpusched.exec.RealtimeDispatcher;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobBuilder;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SchedulerClosedException;
import org.gpusched.sched.SubmittedJob;

/**
 * One round of the soak: builds the round's schedulers (each with a chaos backend on its own
 * ring thread) on a fresh realtime dispatcher, lets the submitting threads and the chaos thread
 * loose on them, closes everything, and has the {@link SoakChecker} check the round.
 */
final class SoakRound {

    /** Jobs in flight (submitted, not finished) above which submitters wait. */
    private static final int MAX_OUTSTANDING = 3000;
    /** Queued jobs of an entity above which submitters leave it alone for a moment. */
    private static final int MAX_QUEUED_PER_ENTITY = 24;
    /** How long a teardown step may take before the round counts as hung. */
    private static final long HANG_NANOS = 60_000_000_000L;

    /** One scheduler of the round and what belongs to it. */
    private record Sched(RoundConfig.SchedulerSpec spec, Scheduler<SoakJob> scheduler, ChaosRing ring,
                         ChaosBackend backend, AtomicInteger closeState,
                         java.util.concurrent.atomic.AtomicBoolean lossArmed) {
    }

    private final long soakSeed;
    private final RoundConfig config;
    private final int threads;
    private final SoakStats stats;
    private final SoakChecker checker;
    private final SplittableRandom random;
    private final List<Sched> scheds = new ArrayList<>();
    private final List<Entity<SoakJob>> allEntities = new CopyOnWriteArrayList<>();
    /** Every scheduler each entity was ever given (its binding is always one of them). */
    private final Map<Entity<SoakJob>, Set<String>> everOn = new ConcurrentHashMap<>();
    /** Entities open for submissions: an immutable list, replaced as a whole (threads index into it). */
    private volatile List<Entity<SoakJob>> live = List.of();
    private final Object liveLock = new Object();
    private final AtomicReferenceArray<SoakJob> recent = new AtomicReferenceArray<>(512);
    private final AtomicLong recentCursor = new AtomicLong();
    private final AtomicInteger entityNames = new AtomicInteger();
    private RealtimeDispatcher dispatcher;
    private ChaosRing driver;
    private long startNanos;
    private long endNanos;

    SoakRound(long soakSeed, RoundConfig config, int threads, SoakStats stats) {
        this.soakSeed = soakSeed;
        this.config = config;
        this.threads = threads;
        this.stats = stats;
        this.checker = new SoakChecker(soakSeed, config.round(), stats::violation);
        this.random = new SplittableRandom(config.seed() ^ 0x5DEECE66DL);
    }

    /** The round's checker (for its violation count). */
    SoakChecker checker() {
        return checker;
    }

    /**
     * Runs the round.
     *
     * @return false if it could not tear down (a close or a submission hung): the soak must stop
     */
    boolean run() {
        dispatcher = new RealtimeDispatcher("soak-r" + config.round(), config.poolThreads());
        driver = new ChaosRing("r" + config.round() + ".driver", false);
        try {
            build();
            startNanos = System.nanoTime();
            endNanos = startNanos + config.submitNanos();
            List<Thread> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                SplittableRandom r = random.split();
                workers.add(thread("soak-submit-" + i, () -> submitLoop(r)));
            }
            SplittableRandom cr = random.split();
            workers.add(thread("soak-chaos", () -> chaosLoop(cr)));
            workers.forEach(Thread::start);
            // Half the rounds start closing while the submitters and chaos still run (close
            // under load); of the others, half let the queues drain first.
            long overlap = random.nextBoolean() ? 0 : random.nextLong(1_000_000, 30_000_000);
            if (overlap > 0) {
                stats.action("teardown under load");
                sleepUntil(endNanos - overlap);
            } else {
                if (!joinAll(workers, config.submitNanos() + HANG_NANOS, "submitting and chaos threads stop")) {
                    return false;
                }
                if (random.nextBoolean()) {
                    drain(100_000_000L);
                }
            }
            if (!teardown()) {
                return false;
            }
            if (!joinAll(workers, config.submitNanos() + HANG_NANOS, "submitting and chaos threads stop")) {
                return false;
            }
            if (!closeLeftovers()) {
                return false;
            }
            if (!checker.awaitAllFinished(20_000_000_000L)) {
                checker.violation("round " + config.round(), "every finished fence signals after everything is closed",
                        "some did not within 20 s (listed below)");
            }
            checker.endOfRound();
            long ooo = 0;
            for (Sched s : scheds) {
                ooo += s.ring.outOfOrderCompletions();
            }
            stats.action("out-of-order completions", ooo);
            for (SoakJob j : checker.jobs()) {
                if (j.accepted && j.handleFinished.isSignaled()) {
                    stats.outcome(j.handleFinished.error());
                }
            }
            return true;
        } finally {
            for (Sched s : scheds) {
                s.ring.close();
            }
            driver.close();
            dispatcher.close();
        }
    }

    /** An unexpected exception, with where it came from. */
    static String describe(Throwable t) {
        StringBuilder b = new StringBuilder("threw ").append(t);
        StackTraceElement[] st = t.getStackTrace();
        for (int i = 0; i < Math.min(6, st.length); i++) {
            b.append("\n      at ").append(st[i]);
        }
        return b.toString();
    }

    private static Thread thread(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    // ------------------------------------------------------------------ set-up

    private void build() {
        for (RoundConfig.SchedulerSpec spec : config.schedulers()) {
            ChaosRing ring = new ChaosRing(spec.name() + ".ring", spec.inOrderRing());
            ChaosBackend backend = new ChaosBackend(ring, driver, stats, random.split());
            Scheduler<SoakJob> s = Scheduler.builder(checker.wrap(spec.name(), spec.creditLimit(), spec.pipelining(), backend))
                    .name(spec.name())
                    .policy(spec.policy())
                    .creditLimit(spec.creditLimit())
                    .timeout(spec.timeout())
                    .pipelining(spec.pipelining())
                    .directRun(spec.directRun())
                    .teardownTimeout(spec.teardown())
                    .dispatcher(dispatcher)
                    .observer(checker.observer(spec.name()))
                    .build();
            checker.attach(s);
            scheds.add(new Sched(spec, s, ring, backend, new AtomicInteger(), new java.util.concurrent.atomic.AtomicBoolean()));
        }
        for (RoundConfig.EntitySpec e : config.entities()) {
            addEntity(e);
        }
    }

    private void addEntity(RoundConfig.EntitySpec spec) {
        List<Scheduler<SoakJob>> on = new ArrayList<>();
        for (int i : spec.schedulers()) {
            on.add(scheds.get(i).scheduler);
        }
        Entity<SoakJob> e;
        try {
            e = Entity.create(spec.name(), spec.priority(), on);
        } catch (SchedulerClosedException closed) {
            if (!anyClosing(spec.schedulers())) {
                checker.violation("entity " + spec.name(), "an entity can be created while one of its schedulers is open",
                        closed.toString());
            }
            return;
        }
        checker.attach(e);
        Set<String> names = ConcurrentHashMap.newKeySet();
        on.forEach(x -> names.add(x.name()));
        everOn.put(e, names);
        allEntities.add(e);
        synchronized (liveLock) {
            List<Entity<SoakJob>> l = new ArrayList<>(live);
            l.add(e);
            live = List.copyOf(l);
        }
    }

    private boolean anyClosing(List<Integer> indexes) {
        for (int i : indexes) {
            if (checker.track(scheds.get(i).spec.name()).closeRequested) {
                return true;
            }
        }
        return false;
    }

    private boolean allClosing(Entity<SoakJob> e) {
        for (Scheduler<SoakJob> s : e.schedulers()) {
            if (!checker.track(s.name()).closeRequested) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ submitting threads

    private void submitLoop(SplittableRandom r) {
        try {
            submitUntilTheEnd(r);
        } catch (RuntimeException ex) {
            checker.violation(Thread.currentThread().getName(), "the scheduler's API calls succeed", describe(ex));
        }
    }

    private void submitUntilTheEnd(SplittableRandom r) {
        while (System.nanoTime() - endNanos < 0) {
            if (checker.outstanding() > MAX_OUTSTANDING) {
                LockSupport.parkNanos(200_000);
                continue;
            }
            List<Entity<SoakJob>> es = live;
            if (es.isEmpty()) {
                LockSupport.parkNanos(1_000_000);
                continue;
            }
            Entity<SoakJob> e = es.get(r.nextInt(es.size()));
            if (e.queueDepth() > MAX_QUEUED_PER_ENTITY || (e.scheduler().isDeviceGone() && r.nextInt(deviceGone(e) ? 1000 : 20) != 0)) {
                // Keep the backlog short, so that most jobs run rather than being killed at the
                // end, and do not flood a lost device (its jobs end at once); a balanced entity
                // still bound to one gets a job now and then, to move once it is idle.
                LockSupport.parkNanos(r.nextLong(10_000, 200_000));
                continue;
            }
            SubmittedJob<SoakJob> h = submitOne(r, e);
            int pace = r.nextInt(100);
            if (pace < 50 || h == null) {
                LockSupport.parkNanos(r.nextLong(1_000, 300_000));
            } else if (pace < 58 && h != null) {
                try {
                    h.finished().await(Duration.ofMillis(20)); // a client that waits for its job now and then
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private SubmittedJob<SoakJob> submitOne(SplittableRandom r, Entity<SoakJob> e) {
        int credits = r.nextInt(10) < 7 ? 1 : 1 + r.nextInt(12);
        SoakJob job = checker.newJob(JobPlan.draw(r), credits);
        JobBuilder<SoakJob> b = e.job(job).credits(credits);
        int deps = r.nextInt(10) < 4 ? 0 : 1 + r.nextInt(3);
        for (int k = 0; k < deps; k++) {
            if (r.nextInt(8) == 0) {
                FenceError err = r.nextInt(10) == 0 ? JobPlan.HW_ERRORS[r.nextInt(JobPlan.HW_ERRORS.length)] : FenceError.NONE;
                Fence f = driver.driverFence(r.nextLong(10_000, 2_000_000), err);
                b.dependsOn(f);
                job.addDependency(f, null);
                continue;
            }
            long n = recentCursor.get();
            if (n == 0) {
                continue;
            }
            SoakJob src = recent.get((int) (Math.max(0, n - 1 - r.nextInt(64)) % recent.length()));
            if (src == null) {
                continue;
            }
            Fence f = r.nextInt(5) == 0 ? src.scheduledFence : src.handleFinished;
            if (f == null) {
                continue;
            }
            b.dependsOn(f);
            job.addDependency(f, src);
        }
        try {
            SubmittedJob<SoakJob> h = b.submit();
            checker.accepted(job, h);
            stats.submitted();
            recent.set((int) (recentCursor.getAndIncrement() % recent.length()), job);
            return h;
        } catch (SchedulerClosedException ex) {
            checker.rejected(job);
            stats.refused();
            if (!anyClosing(e)) {
                checker.violation("entity " + e.name(), "a submission is refused only when the entity's schedulers are closed",
                        ex.toString());
            }
        } catch (IllegalStateException ex) {
            checker.rejected(job);
            stats.refused();
            if (!checker.entity(e.name()).closeRequested) {
                checker.violation("entity " + e.name(), "a submission is refused only when the entity is closed", ex.toString());
            }
        } catch (RuntimeException ex) {
            checker.rejected(job);
            checker.violation("entity " + e.name(), "submit either queues the job or refuses it", describe(ex));
        }
        return null;
    }

    private static boolean deviceGone(Entity<SoakJob> e) {
        for (Scheduler<SoakJob> s : e.schedulers()) {
            if (!s.isDeviceGone()) {
                return false;
            }
        }
        return true;
    }

    /**
     * True if a scheduler the entity was ever given is closing: the one it is bound to is one of
     * them, and the binding may change (another thread's submission moves an idle entity)
     * between a refusal and this look.
     */
    private boolean anyClosing(Entity<SoakJob> e) {
        for (String s : everOn.getOrDefault(e, Set.of())) {
            if (checker.track(s).closeRequested) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ chaos thread

    private void chaosLoop(SplittableRandom r) {
        try {
            while (System.nanoTime() - endNanos < 0) {
                LockSupport.parkNanos(r.nextLong(1_000_000, 15_000_000));
                long t = System.nanoTime() - startNanos;
                for (Sched s : scheds) {
                    if (s.spec.closeAtNanos() >= 0 && t >= s.spec.closeAtNanos() && s.closeState.compareAndSet(0, 1)) {
                        checker.schedulerClosing(s.spec.name());
                        synchronized (liveLock) {
                            live = live.stream().filter(x -> !allClosing(x)).toList();
                        }
                        closeScheduler(s);
                        stats.action("scheduler closed mid-round");
                    }
                    if (s.spec.loseDeviceAtNanos() >= 0 && t >= s.spec.loseDeviceAtNanos() && !s.scheduler.isDeviceGone()
                            && !s.scheduler.isClosing()) {
                        if (s.closeState.get() == 0) {
                            if (!s.lossArmed.getAndSet(true)) {
                                stats.action("device losses armed");
                            }
                            s.backend.loseDeviceAtNextTimeout();
                            s.scheduler.fault(); // a timeout now (the scheduler may have none); retried until it takes
                        }
                    }
                }
                for (Sched s : scheds) {
                    if (s.spec.timeout() == null && r.nextInt(3) == 0) {
                        s.scheduler.fault(); // a driver's watchdog: without it, a hang blocks the ring until close
                        stats.action("fault() calls");
                    }
                }
                int x = r.nextInt(100);
                List<Entity<SoakJob>> es = live;
                if (x < 40 && !es.isEmpty()) {
                    es.get(r.nextInt(es.size())).setPriority(Priority.values()[r.nextInt(Priority.values().length)]);
                    stats.action("priority changes");
                } else if (x < 48 && !es.isEmpty()) {
                    Entity<SoakJob> e = es.get(r.nextInt(es.size()));
                    synchronized (liveLock) {
                        live = live.stream().filter(other -> other != e).toList();
                    }
                    closeEntity(e, r);
                    stats.action("entity closed mid-round");
                    String name = "r" + config.round() + ".x" + entityNames.incrementAndGet();
                    addEntity(RoundConfig.randomEntity(r, name, scheds.size()));
                } else if (x < 56) {
                    Sched s = scheds.get(r.nextInt(scheds.size()));
                    s.scheduler.fault();
                    stats.action("fault() calls");
                } else if (x < 60) {
                    Sched s = scheds.get(r.nextInt(scheds.size()));
                    s.scheduler.setTimeout(r.nextInt(3) == 0 ? null : Duration.ofNanos(r.nextLong(1_000_000, 8_000_000)));
                    stats.action("timeout changes");
                } else if (x < 63) {
                    Sched s = scheds.get(r.nextInt(scheds.size()));
                    long left = s.scheduler.suspendTimeout(); // a firmware queue off its slot for a moment
                    LockSupport.parkNanos(r.nextLong(0, 3_000_000));
                    s.scheduler.resumeTimeout(left == Long.MAX_VALUE ? 0 : left);
                    stats.action("timeout suspensions");
                } else if (x < 66 && scheds.size() > 1 && !es.isEmpty()) {
                    Entity<SoakJob> e = es.get(r.nextInt(es.size()));
                    List<Integer> on = RoundConfig.randomEntity(r, e.name(), scheds.size()).schedulers();
                    List<Scheduler<SoakJob>> list = new ArrayList<>();
                    for (int i : on) {
                        list.add(scheds.get(i).scheduler);
                    }
                    list.forEach(target -> everOn.get(e).add(target.name()));
                    e.setSchedulers(list); // takes effect at its next submission that finds it idle
                    stats.action("entity scheduler changes");
                }
            }
        } catch (RuntimeException ex) {
            checker.violation("chaos thread", "the scheduler's API calls succeed", describe(ex));
        }
    }

    private void closeEntity(Entity<SoakJob> e, SplittableRandom r) {
        checker.entityClosing(e.name());
        e.close(r.nextBoolean() ? Duration.ZERO : Duration.ofNanos(r.nextLong(500_000, 5_000_000)));
    }

    private void closeScheduler(Sched s) {
        checker.schedulerClosing(s.spec.name());
        s.scheduler.close();
        checker.schedulerClosed(s.spec.name());
    }

    // ------------------------------------------------------------------ teardown

    /** Closes every entity and scheduler, from several threads at once, in a random order. */
    private boolean teardown() {
        List<Runnable> entityCloses = new ArrayList<>();
        List<Runnable> schedCloses = new ArrayList<>();
        for (Entity<SoakJob> e : allEntities) {
            SplittableRandom r = random.split();
            entityCloses.add(() -> closeEntity(e, r));
        }
        for (Sched s : scheds) {
            if (s.closeState.compareAndSet(0, 1)) {
                schedCloses.add(() -> closeScheduler(s));
                if (random.nextInt(4) == 0) {
                    schedCloses.add(() -> closeScheduler(s)); // a concurrent second close waits for the first
                }
            }
        }
        Collections.shuffle(entityCloses, new java.util.Random(random.nextLong()));
        Collections.shuffle(schedCloses, new java.util.Random(random.nextLong()));
        int mode = random.nextInt(3);
        stats.action(Map.of(0, "teardown: entities first", 1, "teardown: schedulers first", 2, "teardown: all at once").get(mode));
        if (mode == 0) {
            return runAll(entityCloses) && runAll(schedCloses);
        }
        if (mode == 1) {
            return runAll(schedCloses) && runAll(entityCloses);
        }
        List<Runnable> all = new ArrayList<>(entityCloses);
        all.addAll(schedCloses);
        Collections.shuffle(all, new java.util.Random(random.nextLong()));
        return runAll(all);
    }

    /** Closes what chaos created while the teardown ran (entities made after its snapshot). */
    private boolean closeLeftovers() {
        List<Runnable> closes = new ArrayList<>();
        for (Entity<SoakJob> e : allEntities) {
            if (!checker.entity(e.name()).closeRequested) {
                SplittableRandom r = random.split();
                closes.add(() -> closeEntity(e, r));
            }
        }
        for (Sched s : scheds) {
            if (s.closeState.compareAndSet(0, 1)) {
                closes.add(() -> closeScheduler(s));
            }
        }
        return runAll(closes);
    }

    private static void sleepUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    /** Waits until nothing is queued on any entity, at most {@code maxNanos}. */
    private void drain(long maxNanos) {
        long deadline = System.nanoTime() + maxNanos;
        stats.action("teardown after draining");
        while (System.nanoTime() - deadline < 0) {
            boolean empty = true;
            for (Entity<SoakJob> e : allEntities) {
                if (e.queueDepth() != 0) {
                    empty = false;
                    break;
                }
            }
            if (empty) {
                return;
            }
            LockSupport.parkNanos(500_000);
        }
    }

    private boolean runAll(List<Runnable> actions) {
        List<Thread> ts = new ArrayList<>();
        int i = 0;
        for (Runnable a : actions) {
            ts.add(thread("soak-close-" + i++, () -> {
                try {
                    a.run();
                } catch (RuntimeException ex) {
                    checker.violation("teardown", "close succeeds", describe(ex));
                }
            }));
        }
        ts.forEach(Thread::start);
        return joinAll(ts, HANG_NANOS, "every close returns");
    }

    private boolean joinAll(List<Thread> ts, long maxNanos, String rule) {
        long deadline = System.nanoTime() + maxNanos;
        for (Thread t : ts) {
            try {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    t.join(Duration.ofNanos(left));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (t.isAlive()) {
                checker.violation("round " + config.round(), rule, "thread " + t.getName() + " still runs after "
                        + maxNanos / 1_000_000_000L + " s; threads:\n" + threadDump(t));
                stats.aborted();
                return false;
            }
        }
        return true;
    }

    /** The round's threads with their stacks, {@code stuck} first and whole (the others cut to 25 frames). */
    private static String threadDump(Thread stuck) {
        StringBuilder b = new StringBuilder();
        Map<Thread, StackTraceElement[]> all = Thread.getAllStackTraces();
        appendThread(b, stuck, stuck.getStackTrace(), Integer.MAX_VALUE);
        for (Map.Entry<Thread, StackTraceElement[]> e : all.entrySet()) {
            String n = e.getKey().getName();
            if (e.getKey() == stuck || (!n.startsWith("soak") && !n.startsWith("r"))) {
                continue;
            }
            appendThread(b, e.getKey(), e.getValue(), 25);
            if (b.length() > 20_000) {
                break;
            }
        }
        return b.toString();
    }

    private static void appendThread(StringBuilder b, Thread t, StackTraceElement[] st, int maxFrames) {
        b.append("  \"").append(t.getName()).append("\" ").append(t.getState()).append('\n');
        for (int i = 0; i < Math.min(st.length, maxFrames); i++) {
            b.append("      at ").append(st[i]).append('\n');
        }
    }
}
