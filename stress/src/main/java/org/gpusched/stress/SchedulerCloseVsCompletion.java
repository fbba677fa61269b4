package org.gpusched.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.gpusched.fence.Timeline;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLLLLL_Result;

/**
 * A scheduler closing while the hardware completes its running job. One job is on the
 * hardware (credit limit 1) and a second waits behind it. The running job ends exactly once,
 * with OK (the completion won, also when close had already asked to cancel it) or CANCELED;
 * the second is killed while queued, or, if the completion let it run first, cancelled on the
 * hardware. Both are freed once, finish in submission order, and no backend call comes after
 * {@code close()} returns. Results: (first's outcome, second's outcome, cancel asked for the
 * first, frees, ends, finish order, late backend calls).
 */
@JCStressTest
@Outcome(id = "OK, ESRCH, 0, 1 1, 1 0, 12, 0", expect = ACCEPTABLE,
        desc = "completed before close looked; the second was killed while queued")
@Outcome(id = "OK, ECANCELED, 0, 1 1, 1 1, 12, 0", expect = ACCEPTABLE,
        desc = "completed; the second reached the hardware and was cancelled")
@Outcome(id = "ECANCELED, ESRCH, 1, 1 1, 1 0, 12, 0", expect = ACCEPTABLE,
        desc = "cancelled on the hardware by close; the second was killed")
@Outcome(id = "OK, ESRCH, 1, 1 1, 1 0, 12, 0", expect = ACCEPTABLE_INTERESTING,
        desc = "close asked to cancel, but the hardware completion signalled first")
@Outcome(expect = FORBIDDEN, desc = "a job lost, ended or freed twice, out of order, or a backend call after close")
@State
public class SchedulerCloseVsCompletion {

    private static final Timeline HARDWARE = Timeline.create("stress-close-hw");

    private final ProbeBackend backend = new ProbeBackend('A');
    /** Closing is for good, so each state has a scheduler of its own (cheap: no thread). */
    private final Scheduler<Probe> scheduler = Scheduler.builder(backend)
            .dispatcher(Rig.DISPATCHER).observer(EndCounter.INSTANCE).build();
    private final RunLog finishOrder = new RunLog();
    private final Probe first = new Probe('1', new RunLog(), HARDWARE);
    private final Probe second = new Probe('2', new RunLog(), HARDWARE);
    private final SubmittedJob<Probe> firstJob;
    private final SubmittedJob<Probe> secondJob;
    private final boolean watched;

    /**
     * Submits the first job, which goes to the hardware, and queues the second behind it. The
     * actors wait for the first to be on the hardware: jcstress creates a whole array of states
     * before the actors start, so by then it nearly always is, and the waits cost a read.
     */
    public SchedulerCloseVsCompletion() {
        Entity<Probe> entity = scheduler.newEntity(Priority.NORMAL);
        firstJob = entity.job(first).submit();
        secondJob = entity.job(second).submit();
        watched = firstJob.finished().onSignal(f -> finishOrder.add('1')) != null
                && secondJob.finished().onSignal(f -> finishOrder.add('2')) != null;
    }

    /** Closes the scheduler; from then on the backend counts any call as late. */
    @Actor
    public void closer() {
        Bounded.await(firstJob.scheduled());
        scheduler.close();
        backend.markClosed();
    }

    /** The hardware completes the first job. */
    @Actor
    public void hardware() {
        Bounded.await(firstJob.scheduled());
        first.hardware.signal();
    }

    /** close() has returned: everything must be settled already, without waiting. */
    @Arbiter
    public void arbiter(LLLLLLL_Result r) {
        r.r1 = watched ? Bounded.outcome(firstJob.finished()) : "finished before the race";
        r.r2 = Bounded.outcome(secondJob.finished());
        r.r3 = first.cancels.get();
        r.r4 = first.frees.get() + " " + second.frees.get();
        r.r5 = first.ends.get() + " " + second.ends.get();
        r.r6 = finishOrder.text();
        r.r7 = backend.lateCalls();
    }
}
