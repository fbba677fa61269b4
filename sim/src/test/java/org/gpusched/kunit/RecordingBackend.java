package org.gpusched.kunit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.gpusched.exec.Clock;
import org.gpusched.fence.Fence;
import org.gpusched.sched.Backend;
import org.gpusched.sched.JobView;
import org.gpusched.sched.TimeoutVerdict;
import org.gpusched.sim.SimJob;
import org.gpusched.sim.SimRing;

/**
 * A {@link Backend} that forwards to a {@link SimRing} and records every callback, so that the
 * ported tests can check what the kernel's lockdep and list-debug options only catch as splats:
 * no callback after the scheduler's close returned, every job run by the scheduler it was
 * submitted to, and how many jobs sat on the hardware at once.
 *
 * <p>An assertion thrown inside a callback would be swallowed by the scheduler (it turns a
 * throwing backend into a failed job), so problems are collected as {@link #violations()} and
 * checked by the test afterwards. Thread-safe: the realtime tests call it from pool threads.
 */
final class RecordingBackend implements Backend<SimJob> {

    /** The kind of a recorded callback. */
    enum Kind { RUN, TIMED_OUT, CANCEL, FREE }

    /**
     * One recorded callback.
     *
     * @param kind      which callback
     * @param job       the payload it was about
     * @param timeNanos the scheduler clock when it arrived
     */
    record Call(Kind kind, SimJob job, long timeNanos) {
    }

    private final String schedulerName;
    private final SimRing ring;
    private final Clock clock;
    private final List<Call> calls = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private int maxOnHardware;
    private volatile boolean closed;

    RecordingBackend(String schedulerName, SimRing ring, Clock clock) {
        this.schedulerName = Objects.requireNonNull(schedulerName);
        this.ring = Objects.requireNonNull(ring);
        this.clock = Objects.requireNonNull(clock);
    }

    /** From now on every callback is a violation: the scheduler's close has returned. */
    void markClosed() {
        closed = true;
    }

    private void record(Kind kind, JobView<SimJob> view) {
        long now = clock.nanoTime();
        synchronized (this) {
            calls.add(new Call(kind, view.payload(), now));
            if (closed) {
                violations.add(kind + " for " + view.entityName() + "#" + view.seqno() + " after close() of "
                        + schedulerName + " returned");
            }
            if (!schedulerName.equals(view.schedulerName())) {
                violations.add(kind + " for " + view.entityName() + "#" + view.seqno() + " reached the backend of "
                        + schedulerName + " but the job was submitted to " + view.schedulerName());
            }
        }
    }

    @Override
    public Fence run(JobView<SimJob> job) {
        record(Kind.RUN, job);
        Fence hw = ring.run(job);
        synchronized (this) {
            // Occupancy only grows at run time, so sampling it here gives the true maximum.
            maxOnHardware = Math.max(maxOnHardware, ring.inflightCount());
        }
        return hw;
    }

    @Override
    public TimeoutVerdict timedOut(JobView<SimJob> job) {
        record(Kind.TIMED_OUT, job);
        return ring.timedOut(job);
    }

    @Override
    public boolean cancel(JobView<SimJob> job) {
        record(Kind.CANCEL, job);
        return ring.cancel(job);
    }

    @Override
    public void free(JobView<SimJob> job) {
        record(Kind.FREE, job);
        if (job.payload().runCount() > 0 && !job.finished().isSignaled()) {
            // Killed jobs are freed when killed; a job that ran only after its finished fence signalled.
            synchronized (this) {
                violations.add("FREE for " + job.entityName() + "#" + job.seqno() + " before its finished fence signalled");
            }
        }
        ring.free(job);
    }

    /** Every callback so far, in arrival order. */
    synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    /** The callbacks of one kind, in arrival order. */
    synchronized List<Call> calls(Kind kind) {
        return calls.stream().filter(c -> c.kind() == kind).toList();
    }

    /** The callbacks about one job, in arrival order. */
    synchronized List<Kind> callsFor(SimJob job) {
        return calls.stream().filter(c -> c.job() == job).map(Call::kind).toList();
    }

    /** The most jobs that were on the ring at once. */
    synchronized int maxOnHardware() {
        return maxOnHardware;
    }

    /** Problems seen inside callbacks (empty when all is well). */
    synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    /** The name of the scheduler this backend serves. */
    String schedulerName() {
        return schedulerName;
    }
}
