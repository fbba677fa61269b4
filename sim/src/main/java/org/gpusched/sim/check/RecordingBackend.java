package org.gpusched.sim.check;

import org.gpusched.fence.Fence;
import org.gpusched.sched.Backend;
import org.gpusched.sched.JobView;
import org.gpusched.sched.TimeoutVerdict;
import org.gpusched.sim.SimJob;

/**
 * The outermost backend of a scheduler under check: it reports every call to the
 * {@link InvariantChecker} before passing it on (so calls that throw are seen too) and brackets
 * it, so that overlapping calls and calls after close are caught.
 */
final class RecordingBackend implements Backend<SimJob> {

    private final InvariantChecker checker;
    private final SchedulerTrack track;
    private final Backend<SimJob> inner;

    RecordingBackend(InvariantChecker checker, SchedulerTrack track, Backend<SimJob> inner) {
        this.checker = checker;
        this.track = track;
        this.inner = inner;
    }

    @Override
    public Fence prepare(JobView<SimJob> job) {
        JobRecord r = checker.enterCallback(track, "prepare", job);
        try {
            Fence f = inner.prepare(job);
            checker.prepared(track, r, f);
            return f;
        } finally {
            checker.exitCallback(track);
        }
    }

    @Override
    public Fence run(JobView<SimJob> job) {
        JobRecord r = checker.enterCallback(track, "run", job);
        try {
            checker.running(track, r, job);
            return inner.run(job);
        } finally {
            checker.exitCallback(track);
        }
    }

    @Override
    public TimeoutVerdict timedOut(JobView<SimJob> job) {
        JobRecord r = checker.enterCallback(track, "timedOut", job);
        try {
            checker.timingOut(track, r);
            return inner.timedOut(job);
        } finally {
            checker.exitCallback(track);
        }
    }

    @Override
    public boolean cancel(JobView<SimJob> job) {
        JobRecord r = checker.enterCallback(track, "cancel", job);
        try {
            checker.cancelling(track, r);
            return inner.cancel(job);
        } finally {
            checker.exitCallback(track);
        }
    }

    @Override
    public void free(JobView<SimJob> job) {
        JobRecord r = checker.enterCallback(track, "free", job);
        try {
            checker.freeing(track, r, job.finished());
            inner.free(job);
        } finally {
            checker.exitCallback(track);
        }
    }
}
