package org.gpusched.stress;

import java.util.concurrent.atomic.AtomicInteger;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Backend;
import org.gpusched.sched.JobView;
import org.gpusched.sched.TimeoutVerdict;

/**
 * A backend that records every call in the job's {@link Probe}. A job without a hardware fence
 * completes at once; otherwise the hardware fence is the probe's, and the timeout handler and
 * {@code cancel} signal it (TIMED_OUT with a RESET verdict, CANCELED), as a real ring would.
 * After {@link #markClosed()} every call is counted as late: none may come once
 * {@code Scheduler.close()} has returned.
 */
final class ProbeBackend implements Backend<Probe> {

    private final char label;
    private volatile boolean closed;
    private final AtomicInteger lateCalls = new AtomicInteger();

    /** {@code label} is recorded in the probe of each job this backend runs. */
    ProbeBackend(char label) {
        this.label = label;
    }

    /** Called right after the scheduler's {@code close()} returned. */
    void markClosed() {
        closed = true;
    }

    /** Backend calls that came after {@link #markClosed()}. */
    int lateCalls() {
        return lateCalls.get();
    }

    private Probe enter(JobView<Probe> job) {
        if (closed) {
            lateCalls.incrementAndGet();
        }
        return job.payload();
    }

    @Override
    public Fence run(JobView<Probe> job) {
        Probe p = enter(job);
        p.runs.incrementAndGet();
        p.ranOn = label;
        p.boundTo = job.schedulerName();
        p.log.add(p.tag);
        return p.hardware == null ? Fence.signaled() : p.hardware.fence();
    }

    @Override
    public TimeoutVerdict timedOut(JobView<Probe> job) {
        Probe p = enter(job);
        p.timeouts.incrementAndGet();
        if (p.hardware != null) {
            p.hardware.signal(FenceError.TIMED_OUT); // false if the hardware finished first
        }
        return TimeoutVerdict.RESET;
    }

    @Override
    public boolean cancel(JobView<Probe> job) {
        Probe p = enter(job);
        p.cancels.incrementAndGet();
        if (p.hardware != null) {
            p.hardware.signal(FenceError.CANCELED);
        }
        return true;
    }

    @Override
    public void free(JobView<Probe> job) {
        enter(job).frees.incrementAndGet();
    }
}
