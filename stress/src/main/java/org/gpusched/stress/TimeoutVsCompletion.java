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
import org.openjdk.jcstress.infra.results.LLLLL_Result;

/**
 * The timeout handler firing ({@code fault()}) while the hardware completes the job. The job
 * ends exactly once: OK if the completion was processed first, otherwise TIMED_OUT (the
 * backend resets it; a RESET verdict ends the job with TIMED_OUT even if the hardware had just
 * finished), and it is freed once. Results: (finished outcome, hardware fence outcome, timeout
 * handler calls, ends, frees).
 */
@JCStressTest
@Outcome(id = "OK, OK, 0, 1, 1", expect = ACCEPTABLE, desc = "completed before the timeout handler looked")
@Outcome(id = "ETIMEDOUT, ETIMEDOUT, 1, 1, 1", expect = ACCEPTABLE, desc = "timed out first: the backend reset the job")
@Outcome(id = "ETIMEDOUT, OK, 1, 1, 1", expect = ACCEPTABLE_INTERESTING,
        desc = "the hardware finished, but the handler ran before its completion was processed: RESET wins")
@Outcome(expect = FORBIDDEN, desc = "ended twice or never, OK after a RESET verdict, or not freed once")
@State
public class TimeoutVsCompletion {

    private static final Timeline HARDWARE = Timeline.create("stress-timeout-hw");

    /**
     * Each state has a scheduler of its own, so that a fault() can only hit this state's job.
     * It has no timeout: fault() runs the handler anyway, and an armed timeout would leave a
     * timer per state behind.
     */
    private final Scheduler<Probe> scheduler = Scheduler.builder(new ProbeBackend('A'))
            .dispatcher(Rig.DISPATCHER).observer(EndCounter.INSTANCE).build();
    private final Probe probe = new Probe('1', new RunLog(), HARDWARE);
    private final SubmittedJob<Probe> job;

    /**
     * Submits the job. The actors wait for it to be on the hardware: jcstress creates a whole
     * array of states before the actors start, so by then it nearly always is, and the waits
     * cost a read.
     */
    public TimeoutVsCompletion() {
        Entity<Probe> entity = scheduler.newEntity(Priority.NORMAL);
        job = entity.job(probe).submit();
    }

    /** The timeout fires. */
    @Actor
    public void timeout() {
        Bounded.await(job.scheduled());
        scheduler.fault();
    }

    /** The hardware completes the job. */
    @Actor
    public void hardware() {
        Bounded.await(job.scheduled());
        probe.hardware.signal();
    }

    /** Waits (bounded) for the job to finish and be freed. */
    @Arbiter
    public void arbiter(LLLLL_Result r) {
        Bounded.await(job.finished());
        Bounded.quiesce(scheduler);
        r.r1 = Bounded.outcome(job.finished());
        r.r2 = Bounded.outcome(probe.hardware.fence());
        r.r3 = probe.timeouts.get();
        r.r4 = probe.ends.get();
        r.r5 = probe.frees.get();
    }
}
