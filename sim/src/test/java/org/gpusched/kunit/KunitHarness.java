package org.gpusched.kunit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.gpusched.exec.Dispatcher;
import org.gpusched.exec.RealtimeDispatcher;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobBuilder;
import org.gpusched.sched.Priority;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;

/**
 * The shared fixture of the ported DRM scheduler KUnit suite: a dispatcher, the mock schedulers
 * on it, and every entity and job a test creates, with the kernel mock's test functions
 * ({@code wait_scheduled}, {@code wait_finished}, {@code advance}) and the checks the kernel
 * suite only implies, run when the test ends ({@link #close()}).
 *
 * <p><b>Waits.</b> On virtual time a kernel wait that must succeed, {@code wait_X(job, T)},
 * becomes "run events until X holds, at most T"; a wait that must fail burns the whole T and
 * then finds X still false. Both are {@link VirtualDispatcher#runUntil}, which leaves the
 * clock at exactly {@code now + T} when X never holds. "Finished" in the kernel's wait
 * functions is the mock's DONE flag (completed by the simulated hardware), not the finished
 * fence; both stay observable. On real threads the waits block on fences, with the given
 * timeout.
 *
 * <p><b>Implied checks</b> (run by {@link #close()} after tearing everything down): every job's
 * finished fence signalled; every job freed exactly once (also jobs reset by the timeout: our
 * scheduler frees them, the kernel leaves that to the driver); the finished error matches what
 * happened on the simulated hardware (none when DONE, TIMED_OUT, CANCELED, KILLED for jobs that
 * never ran); finished fences of each entity signalled in submission order; credits all
 * returned once every job finished; no backend callback after a scheduler's close returned;
 * every job run by the scheduler it was submitted to.
 */
final class KunitHarness implements AutoCloseable {

    /** The kernel's {@code HZ}: one second of jiffies. */
    static final Duration HZ = Duration.ofSeconds(1);
    /** The mock's {@code MOCK_TIMEOUT = HZ / 5}. */
    static final Duration MOCK_TIMEOUT = Duration.ofMillis(200);
    /** The kernel's {@code MAX_SCHEDULE_TIMEOUT}: no job timeout. */
    static final Duration MAX_SCHEDULE_TIMEOUT = null;
    /** The mock scheduler's name in the kernel. */
    static final String MOCK_NAME = "drm-mock-scheduler";

    private final Dispatcher dispatcher;
    private final VirtualDispatcher virtual;
    private final List<MockScheduler> schedulers = new CopyOnWriteArrayList<>();
    private final List<Entity<SimJob>> entities = new CopyOnWriteArrayList<>();
    private final List<SubmittedJob<SimJob>> jobs = Collections.synchronizedList(new ArrayList<>());
    private final Map<Entity<SimJob>, List<SubmittedJob<SimJob>>> jobsByEntity =
            Collections.synchronizedMap(new IdentityHashMap<>());
    private final List<String> orderViolations = new CopyOnWriteArrayList<>();
    private final AtomicInteger entityIds = new AtomicInteger();

    private KunitHarness(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
        this.virtual = dispatcher instanceof VirtualDispatcher v ? v : null;
    }

    /** A harness on a fresh {@link VirtualDispatcher} owned by the calling thread. */
    static KunitHarness onVirtualTime() {
        return new KunitHarness(new VirtualDispatcher());
    }

    /** A harness on a fresh {@link RealtimeDispatcher} with {@code threads} pool threads. */
    static KunitHarness onRealThreads(int threads) {
        return new KunitHarness(new RealtimeDispatcher("kunit", threads));
    }

    /** The virtual dispatcher. */
    VirtualDispatcher virtual() {
        if (virtual == null) {
            throw new IllegalStateException("this harness runs on real threads");
        }
        return virtual;
    }

    /** The dispatcher's clock now. */
    long now() {
        return dispatcher.clock().nanoTime();
    }

    /** The kernel's {@code drm_mock_sched_new(test, timeout)}: unlimited credits. */
    MockScheduler newScheduler(String name, Duration timeout) {
        return newScheduler(name, timeout, MockScheduler.UNLIMITED_CREDITS);
    }

    /** A mock scheduler with a credit limit (the kernel tests overwrite {@code credit_limit}). */
    MockScheduler newScheduler(String name, Duration timeout, int creditLimit) {
        MockScheduler s = new MockScheduler(dispatcher, name, timeout, creditLimit);
        schedulers.add(s);
        return s;
    }

    /** The kernel's {@code drm_mock_sched_entity_new(test, priority, sched)}. */
    Entity<SimJob> newEntity(MockScheduler s, Priority priority) {
        Entity<SimJob> e = s.sched.newEntity("entity-" + entityIds.incrementAndGet(), priority);
        entities.add(e);
        jobsByEntity.put(e, Collections.synchronizedList(new ArrayList<>()));
        return e;
    }

    /**
     * The kernel's {@code drm_mock_sched_job_new} + {@code add_dependency} + {@code submit}
     * (arm and push): one credit, the given payload. Safe from several threads as long as each
     * entity is fed by one thread (as in the kernel tests).
     */
    SubmittedJob<SimJob> submit(Entity<SimJob> e, SimJob payload, Fence... deps) {
        return submit(e, payload, 1, deps);
    }

    /** {@link #submit(Entity, SimJob, Fence...)} with a credit count other than the mock's one. */
    SubmittedJob<SimJob> submit(Entity<SimJob> e, SimJob payload, int credits, Fence... deps) {
        JobBuilder<SimJob> b = e.job(payload).credits(credits);
        for (Fence f : deps) {
            b.dependsOn(f);
        }
        SubmittedJob<SimJob> j = b.submit();
        List<SubmittedJob<SimJob>> mine = jobsByEntity.get(e);
        SubmittedJob<SimJob> prev;
        synchronized (mine) {
            prev = mine.isEmpty() ? null : mine.get(mine.size() - 1);
            mine.add(j);
        }
        jobs.add(j);
        watchOrder(e, prev, j);
        return j;
    }

    /** The entity's finished fences must signal in submission order: check the predecessor at each signal. */
    private void watchOrder(Entity<SimJob> e, SubmittedJob<SimJob> prev, SubmittedJob<SimJob> j) {
        if (prev == null) {
            return;
        }
        if (prev.seqno() >= j.seqno()) {
            orderViolations.add(e.name() + ": job #" + j.seqno() + " was submitted after #" + prev.seqno());
        }
        Runnable check = () -> {
            if (!prev.finished().isSignaled()) {
                orderViolations.add(e.name() + ": finished fence #" + j.seqno() + " signalled before #" + prev.seqno());
            }
        };
        if (j.finished().onSignal(f -> check.run()) == null) {
            check.run(); // already signalled: its predecessor must be too
        }
    }

    /**
     * The kernel's {@code drm_mock_sched_job_wait_scheduled}: asserts the job is not DONE, then
     * waits at most {@code timeout} for its scheduled fence.
     */
    boolean waitScheduled(SubmittedJob<SimJob> job, Duration timeout) {
        assertThat(job.payload().isDone()).as("wait_scheduled on a job that is DONE already").isFalse();
        if (virtual != null) {
            return virtual.runUntil(() -> job.scheduled().isSignaled(), timeout);
        }
        return await(job.scheduled(), timeout);
    }

    /**
     * The kernel's {@code drm_mock_sched_job_wait_finished}: waits at most {@code timeout} for
     * the mock's DONE flag (successful completion by the simulated hardware).
     */
    boolean waitFinished(SubmittedJob<SimJob> job, Duration timeout) {
        if (virtual != null) {
            return virtual.runUntil(() -> job.payload().isDone(), timeout);
        }
        // The ring sets DONE before it signals the hardware fence, which precedes the finished fence.
        return await(job.finished(), timeout) && job.payload().isDone();
    }

    private static boolean await(Fence f, Duration timeout) {
        try {
            return f.await(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + f, e);
        }
    }

    /** Runs the events of the current virtual instant (zero virtual time). */
    void settle() {
        virtual().runFor(0);
    }

    /** Every scheduler still open has all its credits back (virtual time only). */
    void assertCreditsReturned() {
        settle();
        for (MockScheduler s : schedulers) {
            if (!s.sched.isClosing()) {
                assertThat(s.sched.inFlightCredits()).as("credits on the hardware of " + s.name).isZero();
            }
        }
    }

    /** Every job submitted through this harness, in submission order per thread. */
    List<SubmittedJob<SimJob>> jobs() {
        synchronized (jobs) {
            return List.copyOf(jobs);
        }
    }

    /** The jobs of one entity, in submission order. */
    List<SubmittedJob<SimJob>> jobsOf(Entity<SimJob> e) {
        List<SubmittedJob<SimJob>> l = jobsByEntity.get(e);
        synchronized (l) {
            return List.copyOf(l);
        }
    }

    /**
     * Per entity, consecutive jobs ran in submission order: on the same ring the later one got
     * a later hardware seqno; on different rings (the entity moved) the later one was run only
     * after the earlier one's finished fence signalled (an entity moves only when idle).
     */
    void assertEntityOrderOnHardware() {
        for (Entity<SimJob> e : entities) {
            List<SubmittedJob<SimJob>> l = jobsOf(e);
            for (int i = 1; i < l.size(); i++) {
                SubmittedJob<SimJob> a = l.get(i - 1);
                SubmittedJob<SimJob> b = l.get(i);
                Fence ha = a.payload().hardwareFence();
                Fence hb = b.payload().hardwareFence();
                if (ha == null || hb == null) {
                    continue; // killed before it ran
                }
                if (ha.timeline() == hb.timeline()) {
                    assertThat(hb.seqno()).as("%s: hardware seqno of job #%d after #%d", e.name(), b.seqno(), a.seqno())
                            .isGreaterThan(ha.seqno());
                } else {
                    assertThat(b.scheduled().timestampNanos())
                            .as("%s moved rings: job #%d must run after #%d finished", e.name(), b.seqno(), a.seqno())
                            .isGreaterThanOrEqualTo(a.finished().timestampNanos());
                }
            }
        }
    }

    /** The kernel's {@code drm_mock_sched_entity_free} for every entity: flush (1 s), then kill the rest. */
    void destroyEntities() {
        for (Entity<SimJob> e : entities) {
            e.close();
        }
    }

    /** The kernel's {@code drm_mock_sched_fini} for every scheduler. */
    void finiAll() {
        for (MockScheduler s : schedulers) {
            s.fini();
        }
    }

    /**
     * Tears down what the test left (entities, then schedulers, as the kernel suites' exit
     * does) and runs the implied checks.
     */
    @Override
    public void close() {
        try {
            if (virtual != null) {
                settle();
                if (jobs().stream().allMatch(j -> j.finished().isSignaled())) {
                    assertCreditsReturned();
                }
            }
            destroyEntities();
            finiAll();
            if (virtual != null) {
                // Let stray timers and lane wake-ups fire: none of them may reach a backend.
                virtual.runFor(HZ);
            }
            checkImplied();
        } finally {
            if (virtual == null) {
                dispatcher.close();
            }
        }
    }

    private void checkImplied() {
        for (SubmittedJob<SimJob> j : jobs()) {
            SimJob p = j.payload();
            String id = j.finished().timelineName() + "#" + j.seqno();
            assertThat(j.finished().isSignaled()).as("finished fence of %s signalled", id).isTrue();
            assertThat(j.scheduled().isSignaled()).as("scheduled fence of %s signalled", id).isTrue();
            assertThat(p.freeCount()).as("%s freed exactly once", id).isEqualTo(1);
            assertThat(p.runCount()).as("%s run at most once", id).isLessThanOrEqualTo(1);
            assertThat(p.cancelCount()).as("%s cancelled at most once", id).isLessThanOrEqualTo(1);
            assertThat(j.finished().error()).as("finished error of %s (%s)", id, p).isEqualTo(expectedError(p));
            if (p.runCount() == 1) {
                assertThat(p.hardwareFence().isSignaled()).as("hardware fence of %s signalled", id).isTrue();
                assertThat(p.hardwareFence().error()).as("hardware error of %s", id).isEqualTo(j.finished().error());
                assertThat(j.finished().timestampNanos()).as("%s finished after its hardware fence", id)
                        .isGreaterThanOrEqualTo(p.hardwareFence().timestampNanos());
            }
        }
        assertThat(orderViolations).as("finished fences out of submission order").isEmpty();
        for (MockScheduler s : schedulers) {
            assertThat(s.backend.violations()).as("backend of " + s.name).isEmpty();
        }
    }

    /** What the finished error must be, given what the simulated hardware did with the job. */
    private static FenceError expectedError(SimJob p) {
        if (p.isDone()) {
            return FenceError.NONE;
        }
        if (p.has(SimJob.TIMEDOUT)) {
            return FenceError.TIMED_OUT;
        }
        if (p.has(SimJob.CANCELED)) {
            return FenceError.CANCELED;
        }
        if (p.runCount() == 0) {
            return FenceError.KILLED;
        }
        throw new AssertionError(p + " ran but the ring neither completed, reset nor cancelled it");
    }
}
