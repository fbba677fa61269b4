package org.gpusched.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.gpusched.exec.Dispatcher;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.gpusched.sched.Backend;
import org.gpusched.sched.JobView;
import org.gpusched.sched.TimeoutVerdict;

/**
 * A simulated in-order GPU ring, the {@link Backend} of the kernel's mock scheduler.
 *
 * <p>Behaviour (a contract other modules rely on):
 * <ul>
 *   <li>Jobs execute serially, back to back, in the order {@code run} was called; the hardware
 *       fence gets the ring's next seqno at run time. A job with a duration finishes at
 *       {@code max(previous job's finish, now) + duration}.</li>
 *   <li>A job made with {@link SimJob#until(long)} finishes at that clock time (or as soon as it
 *       starts, if the time has passed).</li>
 *   <li>A job with duration 0 ("manual") or marked {@link SimJob#hang()} finishes only through
 *       {@link #advance(int)}, which moves the ring's completed seqno forward by {@code n} and
 *       completes every job up to it, in order.</li>
 *   <li>A job behind a manual or hanging one waits for it: it starts when that job leaves the
 *       ring (completed, reset by a timeout, or cancelled), and completion is strictly in run
 *       order.</li>
 *   <li>{@code timedOut}: NO_HANG for jobs marked {@link SimJob#dontReset()}; otherwise the hardware
 *       fence signals {@link FenceError#TIMED_OUT} and the answer is RESET; DEVICE_GONE once
 *       the ring is {@link #loseDevice() lost}.</li>
 *   <li>{@code cancel} signals {@link FenceError#CANCELED} and returns true.</li>
 *   <li>{@link SimJob#failWith} makes a job's hardware fence signal with an error at its finish
 *       time.</li>
 * </ul>
 * Time and timers come from the {@link Dispatcher}, so on a virtual dispatcher everything is
 * deterministic. Thread-safe: state is guarded by the ring's lock, and fences are signalled
 * after it is released.
 */
public final class SimRing implements Backend<SimJob> {

    private final String name;
    private final Dispatcher dispatcher;
    private final Timeline timeline;
    private final ArrayDeque<Slot> inflight = new ArrayDeque<>();
    private long completedSeqno;
    private boolean lost;
    private long busyNanos;
    private long jobsRun;

    /** Creates a ring that takes its time and timers from {@code dispatcher}. */
    public SimRing(String name, Dispatcher dispatcher) {
        this.name = Objects.requireNonNull(name, "name");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.timeline = Timeline.create(name + "/hw", dispatcher.clock());
    }

    /** The ring's name. */
    public String name() {
        return name;
    }

    /**
     * One job on the ring. A job behind a manual (or hanging) one cannot know when it will
     * start: it is {@code waiting} until the jobs ahead of it leave, and is timed then.
     */
    private static final class Slot {
        final SimJob job;
        final FenceSource fence;
        final long seqno;
        boolean waiting;
        boolean manual; // completes only through advance(), timeout or cancel
        long finishAt;  // meaningful once timed, unless manual

        Slot(SimJob job, FenceSource fence, long seqno) {
            this.job = job;
            this.fence = fence;
            this.seqno = seqno;
        }

        /** Starts the job at {@code start}; returns true if a completion timer is needed. */
        boolean time(long start) {
            waiting = false;
            job.hwStart = start;
            if (job.isHang()) {
                manual = true;
            } else if (job.releaseAtNanos() >= 0) {
                finishAt = Math.max(start, job.releaseAtNanos());
            } else {
                manual = job.durationNanos() == 0;
                finishAt = start + job.durationNanos();
            }
            return !manual;
        }
    }

    @Override
    public Fence run(JobView<SimJob> view) {
        SimJob job = view.payload();
        job.runs.incrementAndGet();
        long now = dispatcher.clock().nanoTime();
        FenceSource hw = timeline.newFence();
        job.hwFence = hw.fence();
        Slot slot;
        boolean timer;
        synchronized (this) {
            jobsRun++;
            if (lost) {
                job.hwStart = job.hwEnd = now;
                hw.signal(FenceError.DEVICE_GONE);
                return hw.fence();
            }
            slot = new Slot(job, hw, hw.fence().seqno());
            Slot last = inflight.peekLast();
            if (last != null && (last.waiting || last.manual)) {
                slot.waiting = true;
                timer = false;
            } else {
                timer = slot.time(last != null && last.finishAt > now ? last.finishAt : now);
            }
            inflight.addLast(slot);
        }
        if (timer) {
            dispatcher.schedule(slot.finishAt, this::completeDue);
        }
        return hw.fence();
    }

    /** Timer: completes the due timed jobs at the head of the ring. */
    private void completeDue() {
        List<Slot> done = new ArrayList<>();
        List<Long> timers = new ArrayList<>();
        synchronized (this) {
            collectDue(done, timers);
        }
        finish(done, timers);
    }

    /**
     * Completes the timed jobs at the head that are due, in order, timing the jobs that were
     * waiting behind a job that has now left.
     */
    private void collectDue(List<Slot> out, List<Long> timers) {
        long now = dispatcher.clock().nanoTime();
        for (;;) {
            retime(now, timers);
            Slot s = inflight.peekFirst();
            if (s == null || s.waiting || s.manual || s.finishAt > now) {
                return;
            }
            inflight.pollFirst();
            completedSeqno = Math.max(completedSeqno, s.seqno);
            out.add(s);
        }
    }

    /** Times the waiting jobs at the head: the first starts now, each next one after it. */
    private void retime(long now, List<Long> timers) {
        long start = now;
        for (Slot s : inflight) {
            if (!s.waiting) {
                if (s.manual) {
                    return;
                }
                start = Math.max(now, s.finishAt);
                continue;
            }
            if (s.time(start)) {
                timers.add(s.finishAt);
                start = s.finishAt;
            } else {
                return; // manual again: the rest keeps waiting
            }
        }
    }

    private void finish(List<Slot> done, List<Long> timers) {
        signalAll(done);
        for (long t : timers) {
            dispatcher.schedule(t, this::completeDue);
        }
    }

    /**
     * Moves the ring's completed seqno forward by {@code n} and completes every job up to it,
     * in order (the mock's {@code drm_mock_sched_advance}). Then completes timed jobs that became
     * due behind them.
     *
     * @return how many jobs the seqno advance completed
     */
    public int advance(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative: " + n);
        }
        List<Slot> done = new ArrayList<>();
        List<Long> timers = new ArrayList<>();
        int count;
        synchronized (this) {
            completedSeqno += n;
            while (!inflight.isEmpty() && inflight.peekFirst().seqno <= completedSeqno) {
                Slot s = inflight.pollFirst();
                if (s.waiting) {
                    s.job.hwStart = dispatcher.clock().nanoTime(); // completed before it was timed
                }
                done.add(s);
            }
            count = done.size();
            collectDue(done, timers);
        }
        finish(done, timers);
        return count;
    }

    private void signalAll(List<Slot> done) {
        long now = dispatcher.clock().nanoTime();
        for (Slot s : done) {
            s.job.set(SimJob.DONE);
            s.job.hwEnd = now;
            synchronized (this) {
                busyNanos += Math.max(0, now - s.job.hwStart);
            }
            s.fence.signal(s.job.failure());
        }
    }

    @Override
    public TimeoutVerdict timedOut(JobView<SimJob> view) {
        SimJob job = view.payload();
        job.timeouts.incrementAndGet();
        Slot slot;
        List<Slot> done = new ArrayList<>();
        List<Long> timers = new ArrayList<>();
        synchronized (this) {
            if (lost) {
                return TimeoutVerdict.DEVICE_GONE;
            }
            if (job.isDontReset()) {
                job.set(SimJob.RESET_SKIPPED);
                return TimeoutVerdict.NO_HANG;
            }
            slot = remove(job);
            if (slot != null) {
                collectDue(done, timers); // the jobs behind a reset job run now
            }
        }
        if (slot != null) {
            job.set(SimJob.TIMEDOUT);
            job.hwEnd = dispatcher.clock().nanoTime();
            slot.fence.signal(FenceError.TIMED_OUT);
        }
        finish(done, timers);
        return TimeoutVerdict.RESET;
    }

    @Override
    public boolean cancel(JobView<SimJob> view) {
        SimJob job = view.payload();
        job.cancels.incrementAndGet();
        Slot slot;
        List<Slot> done = new ArrayList<>();
        List<Long> timers = new ArrayList<>();
        synchronized (this) {
            slot = remove(job);
            if (slot != null) {
                collectDue(done, timers);
            }
        }
        if (slot != null) {
            job.set(SimJob.CANCELED);
            job.hwEnd = dispatcher.clock().nanoTime();
            slot.fence.signal(FenceError.CANCELED);
        }
        finish(done, timers);
        return true;
    }

    @Override
    public void free(JobView<SimJob> view) {
        view.payload().frees.incrementAndGet();
    }

    private Slot remove(SimJob job) {
        for (Iterator<Slot> it = inflight.iterator(); it.hasNext(); ) {
            Slot s = it.next();
            if (s.job == job) {
                it.remove();
                return s;
            }
        }
        return null;
    }

    /**
     * Loses the device: jobs on the ring never complete, later runs fail with
     * {@link FenceError#DEVICE_GONE}, and the timeout handler answers DEVICE_GONE.
     */
    public synchronized void loseDevice() {
        lost = true;
    }

    /** Jobs on the ring now. */
    public synchronized int inflightCount() {
        return inflight.size();
    }

    /** Total time the ring spent executing jobs that completed by themselves, in nanoseconds. */
    public synchronized long busyNanos() {
        return busyNanos;
    }

    /** Number of {@code run} calls so far. */
    public synchronized long jobsRun() {
        return jobsRun;
    }

    @Override
    public String toString() {
        return "SimRing[" + name + "]";
    }
}
