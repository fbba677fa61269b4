package org.gpusched.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.time.Duration;
import org.gpusched.fence.Fence;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLL_Result;

/**
 * Two threads submitting into one entity at once: the seqnos are distinct and consecutive
 * (1 and 2), the jobs run in seqno order (queue order equals seqno order: seqno and queue
 * link are assigned in one atomic step), and both finish, in seqno order, and are freed once.
 * Results: (first submitter's seqno, second submitter's seqno, order in which the backend ran
 * them, how they finished: OK, or what went wrong).
 */
@JCStressTest
@Outcome(id = "1, 2, 12, OK", expect = ACCEPTABLE, desc = "the first submitter got seqno 1 and ran first")
@Outcome(id = "2, 1, 21, OK", expect = ACCEPTABLE, desc = "the second submitter got seqno 1 and ran first")
@Outcome(expect = FORBIDDEN, desc = "duplicate or skipped seqnos, run order differs from seqno order, or a job lost")
@State
public class EntityConcurrentSubmit {

    /** One scheduler for the whole fork; every state gets a fresh entity on it. */
    private static final Scheduler<Probe> SCHEDULER = Scheduler.builder(new ProbeBackend('A'))
            .name("stress-submit").dispatcher(Rig.DISPATCHER).creditLimit(4).build();

    private final Entity<Probe> entity = SCHEDULER.newEntity(Priority.NORMAL);
    private final RunLog ran = new RunLog();
    private SubmittedJob<Probe> first;
    private SubmittedJob<Probe> second;

    /** Submits one job. */
    @Actor
    public void submitter1(LLLL_Result r) {
        first = entity.job(new Probe('1', ran)).submit();
        r.r1 = first.seqno();
    }

    /** Submits another job into the same entity. */
    @Actor
    public void submitter2(LLLL_Result r) {
        second = entity.job(new Probe('2', ran)).submit();
        r.r2 = second.seqno();
    }

    /** Waits (bounded) for both jobs to finish, then reads the run order. */
    @Arbiter
    public void arbiter(LLLL_Result r) {
        Fence a = first.finished();
        Fence b = second.finished();
        boolean done = Bounded.await(a) && Bounded.await(b);
        Bounded.quiesce(SCHEDULER);
        r.r3 = ran.text();
        String freed = first.payload().frees.get() + " " + second.payload().frees.get();
        Fence lower = first.seqno() < second.seqno() ? a : b;
        Fence higher = lower == a ? b : a;
        if (done && !a.error().isError() && !b.error().isError()
                && lower.timestampNanos() <= higher.timestampNanos() && freed.equals("1 1")) {
            r.r4 = "OK";
        } else {
            r.r4 = Bounded.outcome(a) + " " + Bounded.outcome(b) + ", freed " + freed
                    + (done && lower.timestampNanos() > higher.timestampNanos() ? ", finished out of order" : "");
        }
        entity.close(Duration.ZERO); // lets the scheduler forget the entity
    }
}
