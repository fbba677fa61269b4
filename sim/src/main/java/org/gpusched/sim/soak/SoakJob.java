package org.gpusched.sim.soak;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;

/**
 * The payload of one soak job, and everything the {@link SoakChecker} saw happen to it. The
 * scheduler hands the payload to every backend callback and observer event, so the record is
 * found without any lookup.
 *
 * <p>Thread-safe: counters are atomic and the fields that several threads read are volatile.
 * The chaos backend's own fields are confined to the job's scheduler lane.
 */
public final class SoakJob {

    private static final AtomicLong IDS = new AtomicLong();

    /** A dependency the job was given at building time, and the job it came from (null: a driver fence). */
    record Dep(Fence fence, SoakJob source) {
    }

    final long id = IDS.incrementAndGet();
    final JobPlan plan;
    final int requestedCredits;

    /** Written by the building thread before submit; submit publishes them to the lane. */
    final List<Dep> deps = new ArrayList<>(4);

    // ---- identity, set once under the job's monitor at the first event or callback that shows it
    volatile boolean known;
    volatile SchedulerTrack sched;
    volatile EntityTrack entity;
    volatile long seqno;
    volatile Fence scheduledFence;
    volatile Fence finishedFence;

    // ---- submission outcome (submitting thread)
    volatile boolean accepted;
    volatile boolean rejected;
    volatile Fence handleFinished;

    // ---- backend callbacks (checking wrapper)
    final AtomicInteger prepareCalls = new AtomicInteger();
    final AtomicInteger runCalls = new AtomicInteger();
    final AtomicInteger timedOutCalls = new AtomicInteger();
    final AtomicInteger cancelCalls = new AtomicInteger();
    final AtomicInteger freeCalls = new AtomicInteger();
    volatile boolean prepareFailed;
    volatile boolean runFailed;
    final Queue<Fence> prepareFences = new ConcurrentLinkedQueue<>();
    volatile Fence hwFence;

    // ---- observer events
    final AtomicInteger submittedEvents = new AtomicInteger();
    final AtomicInteger runEvents = new AtomicInteger();
    final AtomicInteger hwDoneEvents = new AtomicInteger();
    final AtomicInteger timedOutEvents = new AtomicInteger();
    final AtomicInteger canceledEvents = new AtomicInteger();
    final AtomicInteger killedEvents = new AtomicInteger();
    final AtomicInteger finishedEvents = new AtomicInteger();
    final AtomicInteger freedEvents = new AtomicInteger();
    volatile int chargedCredits;
    volatile boolean killedWhileClosing;
    volatile boolean killedWhileDeviceGone;

    // ---- fence callbacks
    final AtomicInteger scheduledSignals = new AtomicInteger();
    final AtomicInteger finishedSignals = new AtomicInteger();
    volatile FenceError finishedErrorSeen;

    // ---- chaos backend state (the job's scheduler lane only)
    FenceSource hw;
    int extrasGiven;
    boolean prepareThrown;
    boolean timedOutThrown;

    /**
     * A job that will act out {@code plan} and asks for {@code credits}.
     *
     * @throws IllegalArgumentException if {@code credits < 1}
     */
    public SoakJob(JobPlan plan, int credits) {
        this.plan = Objects.requireNonNull(plan, "plan");
        if (credits < 1) {
            throw new IllegalArgumentException("credits must be >= 1");
        }
        this.requestedCredits = credits;
    }

    /** A process-unique id. */
    public long id() {
        return id;
    }

    /** What the chaos backend does with it. */
    public JobPlan plan() {
        return plan;
    }

    /** Credits asked for at submission (before clamping). */
    public int requestedCredits() {
        return requestedCredits;
    }

    /**
     * Records a dependency given to the job's builder ({@code source}: the job whose fence it
     * is, null for a driver fence), so that the checker can verify it signalled before the job
     * ran. Call before submitting, on the building thread.
     */
    public void addDependency(Fence fence, SoakJob source) {
        deps.add(new Dep(Objects.requireNonNull(fence, "fence"), source));
    }

    /** {@code entity#seqno (id N)}, or {@code job N} before the scheduler showed it. */
    public String name() {
        EntityTrack e = entity;
        return e == null ? "job " + id : e.name + "#" + seqno + " (id " + id + ")";
    }

    @Override
    public String toString() {
        return name();
    }
}
