package org.gpusched.capi;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.gpusched.sched.Backend;
import org.gpusched.sched.JobView;
import org.gpusched.sched.TimeoutVerdict;

/**
 * The {@link Backend} of a scheduler created from C: each method calls the driver's
 * {@code struct gs_sched_ops} function and translates its result (the ownership rules of the
 * C ABI: a fence returned through an out parameter hands its reference to the scheduler).
 *
 * <p>Thread-safety: the scheduler calls a backend serially, so the one out-parameter cell is
 * reused without locking.
 */
final class CBackend implements Backend<CJob> {

    private final Handles handles;
    private final MethodHandle prepare;
    private final MethodHandle run;
    private final MethodHandle timedOut;
    private final MethodHandle cancel;
    private final MethodHandle free;
    private final MemorySegment schedData;
    private final MemorySegment out;
    /** Fences for jobs the driver ended at once with an error (run_job returning < 0). */
    private final Timeline outcomes;

    CBackend(Handles handles, String name, long prepare, long run, long timedOut, long cancel, long free,
             long schedData, Arena arena) {
        this.handles = handles;
        this.prepare = prepare == 0 ? null : Downcalls.handle(prepare, Downcalls.JOB_OUT);
        this.run = Downcalls.handle(run, Downcalls.JOB_OUT);
        this.timedOut = timedOut == 0 ? null : Downcalls.handle(timedOut, Downcalls.JOB_INT);
        this.cancel = cancel == 0 ? null : Downcalls.handle(cancel, Downcalls.JOB_VOID);
        this.free = free == 0 ? null : Downcalls.handle(free, Downcalls.JOB_VOID);
        this.schedData = MemorySegment.ofAddress(schedData);
        this.out = arena.allocate(ADDRESS);
        this.outcomes = Timeline.create(name + "/immediate");
    }

    @Override
    public Fence prepare(JobView<CJob> job) {
        if (prepare == null) {
            return null;
        }
        int r = callWithOut(prepare, job.payload());
        long f = takeOut();
        if (r != 0) {
            if (f != 0) {
                handles.release(f, Handles.FENCE); // handed to the scheduler with the failure: not used
            }
            throw new IllegalStateException("prepare_job returned " + r);
        }
        return f == 0 ? null : consumeFence(f, "prepare_job");
    }

    @Override
    public Fence run(JobView<CJob> job) {
        int r = callWithOut(run, job.payload());
        long f = takeOut();
        if (r != 0) {
            if (f != 0) {
                // The reference passed to the scheduler with the fence; a failed job does not use it.
                handles.release(f, Handles.FENCE);
            }
            return ended(r < 0 ? FenceError.of(Math.max(r, -4095)) : FenceError.BACKEND_FAILED);
        }
        return f == 0 ? Fence.signaled() : consumeFence(f, "run_job");
    }

    @Override
    public TimeoutVerdict timedOut(JobView<CJob> job) {
        if (timedOut == null) {
            return TimeoutVerdict.RESET; // only reachable through gs_sched_fault without a handler
        }
        CJob j = job.payload();
        try {
            int v = (int) timedOut.invokeExact(MemorySegment.ofAddress(j.handle), MemorySegment.ofAddress(j.jobData),
                    schedData);
            return CDefs.verdict(v);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public boolean cancel(JobView<CJob> job) {
        if (cancel == null) {
            return false;
        }
        callVoid(cancel, job.payload());
        return true;
    }

    @Override
    public void free(JobView<CJob> job) {
        CJob j = job.payload();
        try {
            if (free != null) {
                callVoid(free, j);
            }
        } finally {
            handles.remove(j.handle, Handles.JOB); // the job handle is stale once free_job returned
        }
    }

    /** Visits a pending job for gs_sched_for_each_pending. */
    static void visit(MethodHandle visit, CJob j, MemorySegment data) {
        try {
            visit.invokeExact(MemorySegment.ofAddress(j.handle), MemorySegment.ofAddress(j.jobData), data);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private int callWithOut(MethodHandle mh, CJob j) {
        out.set(ADDRESS, 0, MemorySegment.NULL);
        try {
            return (int) mh.invokeExact(MemorySegment.ofAddress(j.handle), MemorySegment.ofAddress(j.jobData), schedData,
                    out);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private void callVoid(MethodHandle mh, CJob j) {
        try {
            mh.invokeExact(MemorySegment.ofAddress(j.handle), MemorySegment.ofAddress(j.jobData), schedData);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private long takeOut() {
        return out.get(ADDRESS, 0).address();
    }

    /** Resolves a fence handle the driver handed over and drops the reference it passed. */
    private Fence consumeFence(long handle, String callback) {
        Object o = handles.get(handle, Handles.FENCE);
        if (!(o instanceof FenceRef ref)) {
            throw new IllegalStateException(callback + " returned a bad fence handle 0x" + Long.toHexString(handle));
        }
        handles.release(handle, Handles.FENCE);
        return ref.fence;
    }

    private Fence ended(FenceError e) {
        FenceSource s = outcomes.newFence();
        s.signal(e);
        return s.fence();
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
