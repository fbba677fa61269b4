package org.gpusched.sim.soak;

import org.gpusched.fence.Fence;
import org.gpusched.sched.Backend;
import org.gpusched.sched.JobView;
import org.gpusched.sched.TimeoutVerdict;

/**
 * The backend half of the {@link SoakChecker} for one scheduler: wraps the real backend, checks
 * each callback as it is made (overlap, after close, order, dependencies, free once) and records
 * what the wrapped backend did (failed, returned a fence, declared the device gone) so the
 * end-of-round checks know which errors each job may end with.
 */
final class CheckingBackend implements Backend<SoakJob> {

    private final SoakChecker checker;
    private final SchedulerTrack track;
    private final Backend<SoakJob> inner;

    CheckingBackend(SoakChecker checker, SchedulerTrack track, Backend<SoakJob> inner) {
        this.checker = checker;
        this.track = track;
        this.inner = inner;
    }

    @Override
    public Fence prepare(JobView<SoakJob> view) {
        SoakJob j = checker.payload(view, track);
        checker.enter(track, j, "prepare");
        try {
            j.prepareCalls.incrementAndGet();
            if (j.runEvents.get() != 0 || j.killedEvents.get() != 0 || j.prepareFailed) {
                checker.violation(j, "prepare is asked only before run", "after it ran, was killed or prepare failed");
            }
            Fence f;
            try {
                f = inner.prepare(view);
            } catch (RuntimeException | Error t) {
                j.prepareFailed = true;
                throw t;
            }
            if (f != null) {
                j.prepareFences.add(f);
            }
            return f;
        } finally {
            checker.exit(track, j, "prepare");
        }
    }

    @Override
    public Fence run(JobView<SoakJob> view) {
        SoakJob j = checker.payload(view, track);
        checker.enter(track, j, "run");
        try {
            checker.checkRun(j, track);
            Fence f;
            try {
                f = inner.run(view);
            } catch (RuntimeException | Error t) {
                j.runFailed = true;
                throw t;
            }
            if (f == null) {
                j.runFailed = true;
            }
            j.hwFence = f;
            return f;
        } finally {
            checker.exit(track, j, "run");
        }
    }

    @Override
    public TimeoutVerdict timedOut(JobView<SoakJob> view) {
        SoakJob j = checker.payload(view, track);
        checker.enter(track, j, "timedOut");
        try {
            j.timedOutCalls.incrementAndGet();
            if (!SoakChecker.onHardware(j)) {
                checker.violation(j, "timedOut is asked only for a job on the hardware", "not on the hardware");
            }
            TimeoutVerdict v = inner.timedOut(view);
            if (v == TimeoutVerdict.DEVICE_GONE) {
                track.deviceGone = true; // before the scheduler acts on it
            }
            return v;
        } finally {
            checker.exit(track, j, "timedOut");
        }
    }

    @Override
    public boolean cancel(JobView<SoakJob> view) {
        SoakJob j = checker.payload(view, track);
        checker.enter(track, j, "cancel");
        try {
            j.cancelCalls.incrementAndGet();
            if (!SoakChecker.onHardware(j) || !track.closeRequested) {
                checker.violation(j, "cancel is asked only for a job on the hardware of a closing scheduler",
                        track.closeRequested ? "not on the hardware" : "close was not called");
            }
            return inner.cancel(view);
        } finally {
            checker.exit(track, j, "cancel");
        }
    }

    @Override
    public void free(JobView<SoakJob> view) {
        SoakJob j = checker.payload(view, track);
        checker.enter(track, j, "free");
        try {
            if (j.freeCalls.incrementAndGet() != 1) {
                checker.violation(j, "every job is freed exactly once", "free called " + j.freeCalls.get() + " times");
            }
            if (j.killedEvents.get() == 0 && !view.finished().isSignaled()) {
                checker.violation(j, "a job is freed only after its finished fence signalled (killed jobs: when killed)",
                        "freed with its finished fence unsignalled");
            }
            inner.free(view);
        } finally {
            checker.exit(track, j, "free");
        }
    }
}
