package org.gpusched.sched;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceCallback;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;

/**
 * One job, from building to free. One object plays the three roles a job has: the builder
 * (before submit), the submitter's handle and the backend's view; the interfaces keep each
 * party to its role.
 *
 * <p>State machine ({@link #state}; transitions after BUILDING happen on the scheduler's lane,
 * or in an exclusive action of it):
 * <pre>
 *   BUILDING --submit--> QUEUED --selected, run--> RUNNING --hw done / timeout / cancel--> ENDED
 *   QUEUED --kill--> ENDED (killed: freed at once, waits for its predecessor and dependencies)
 *   ENDED --all earlier jobs of the entity finished--> FINISHED (finished fence signalled)
 *   BUILDING --abort--> ABORTED
 * </pre>
 * Every submitted job is freed exactly once ({@link #freed}), after its finished fence
 * signalled, except killed jobs, which are freed when they are killed (they never reached the
 * hardware, so nothing of the backend's can still be in use).
 *
 * <p>Field groups name the lock or thread that guards them.
 */
final class Job<P> implements JobBuilder<P>, SubmittedJob<P>, JobView<P> {

    static final int BUILDING = 0;
    static final int QUEUED = 1;
    static final int RUNNING = 2;
    static final int ENDED = 3;
    static final int FINISHED = 4;
    static final int ABORTED = 5;

    private static final Fence[] NO_DEPS = new Fence[0];

    final Entity<P> entity;
    private final P payload;

    // Builder state: the building thread; frozen at submit (published by the entity lock).
    int credits = 1;
    Fence[] deps = NO_DEPS;
    int depCount;

    /**
     * Written by the building thread (up to QUEUED, under the entity lock), then only by the
     * lane, which reaches the job through the entity queue (a happens-before edge). Plain, not
     * volatile: it changes four times per job on the hot path, and nobody else reads it.
     */
    int state = BUILDING;

    // Set at submit under the entity lock; immutable afterwards.
    Scheduler<P> sched;
    long seqno;
    FenceSource scheduledSrc;
    FenceSource finishedSrc;
    long submitTime;

    // Entity queue link: guarded by the entity lock.
    Job<P> queueNext;

    // Lane-confined.
    int depIndex;
    boolean prepared;
    /** Lane-written; {@link #credits()} reads it from anywhere but computes the same value without it. */
    int charged;
    boolean ran;
    boolean killed;
    /** A dependency of it is waited for by the hardware (Backend.waitsOnHardware); lane-confined. */
    boolean hardwareDeps;
    boolean freed;
    boolean cancelRequested;
    long runTime;
    long gpuStart;
    long endTime;
    long timeoutStart;
    long deadline;
    FenceError endError;
    Job<P> orderNext;
    Job<P> pendPrev;
    Job<P> pendNext;
    FenceCallback depDoneCallback;

    /** Set on the lane after run returns (a release store); read by deadline forwarding on consumer threads. */
    volatile Fence hwFence;

    static final VarHandle HW_FENCE;

    static {
        try {
            HW_FENCE = MethodHandles.lookup().findVarHandle(Job.class, "hwFence", Fence.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Link in the scheduler's completion stack (lock-free push, lane pop). */
    Job<P> completionNext;

    /** Registered on the hardware fence; also forwards deadlines of the finished fence to it. */
    final HwDone hwDone = new HwDone();

    Job(Entity<P> entity, P payload) {
        this.entity = entity;
        this.payload = payload;
    }

    // ------------------------------------------------------------------ JobBuilder

    @Override
    public JobBuilder<P> credits(int n) {
        checkBuilding();
        if (n < 1) {
            throw new IllegalArgumentException("credits must be >= 1, got " + n);
        }
        this.credits = n;
        return this;
    }

    @Override
    public JobBuilder<P> dependsOn(Fence fence) {
        checkBuilding();
        Objects.requireNonNull(fence, "dependency fence");
        for (int i = 0; i < depCount; i++) {
            Fence d = deps[i];
            if (d.context() == fence.context()) {
                if (fence.seqno() > d.seqno()) {
                    deps[i] = fence; // keep the later fence of a timeline
                }
                return this;
            }
        }
        if (depCount == deps.length) {
            deps = Arrays.copyOf(deps, Math.max(4, depCount * 2));
        }
        deps[depCount++] = fence;
        return this;
    }

    @Override
    public SubmittedJob<P> submit() {
        checkBuilding();
        entity.submit(this);
        return this;
    }

    @Override
    public void abort() {
        checkBuilding();
        state = ABORTED;
        deps = NO_DEPS;
    }

    private void checkBuilding() {
        int s = state;
        if (s != BUILDING) {
            throw new IllegalStateException(s == ABORTED ? "job was aborted" : "job was already submitted");
        }
    }

    // ------------------------------------------------------------------ views

    @Override
    public P payload() {
        return payload;
    }

    @Override
    public int credits() {
        int c = charged;
        if (c != 0) {
            return c;
        }
        Scheduler<P> s = sched;
        return s == null ? credits : Math.min(credits, s.creditLimit());
    }

    @Override
    public String entityName() {
        return entity.name();
    }

    @Override
    public String schedulerName() {
        Scheduler<P> s = sched;
        return s == null ? "(unsubmitted)" : s.name();
    }

    @Override
    public long seqno() {
        return seqno;
    }

    @Override
    public Fence scheduled() {
        return submitted().scheduledSrc.fence();
    }

    @Override
    public Fence finished() {
        return submitted().finishedSrc.fence();
    }

    @Override
    public Fence hardwareFence() {
        return hwFence;
    }

    @Override
    public List<Fence> dependencies() {
        Fence[] d = deps;
        return d == null ? List.of() : List.of(Arrays.copyOf(d, depCount));
    }

    @Override
    public long submitTimeNanos() {
        return submitTime;
    }

    private Job<P> submitted() {
        if (scheduledSrc == null) {
            throw new IllegalStateException("job has not been submitted");
        }
        return this;
    }

    @Override
    public String toString() {
        return "Job[" + entity.name() + "#" + seqno + " " + stateName(state) + "]";
    }

    static String stateName(int s) {
        return switch (s) {
            case BUILDING -> "building";
            case QUEUED -> "queued";
            case RUNNING -> "running";
            case ENDED -> "ended";
            case FINISHED -> "finished";
            case ABORTED -> "aborted";
            default -> "state" + s;
        };
    }

    /**
     * The callback on the job's hardware fence. A separate object (not the job itself) so that
     * nobody holding the job's public views can register or remove it.
     */
    final class HwDone extends FenceCallback implements LongConsumer {
        @Override
        protected void onSignaled(Fence fence) {
            Scheduler<P> s = sched;
            s.hardwareDone(Job.this);
        }

        /** Deadline hook of the finished fence: pass the deadline on to the hardware fence. */
        @Override
        public void accept(long deadlineNanos) {
            Fence hw = hwFence;
            if (hw != null) {
                hw.setDeadline(deadlineNanos);
            }
        }
    }
}
