package org.gpusched.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.time.Duration;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SchedulerClosedException;
import org.gpusched.sched.SubmittedJob;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLLL_Result;

/**
 * An entity closed (without flushing) while a job is submitted to it. The submission either
 * throws {@link IllegalStateException}, or the job is never lost: it ran (close found it gone
 * from the queue) or it was killed (close counted it as queued), and either way its finished
 * fence signals and it is freed once. Results: (submission, jobs close reported killed,
 * finished outcome, times run, times freed).
 */
@JCStressTest
@Outcome(id = "submitted, 0, OK, 1, 1", expect = ACCEPTABLE, desc = "the job reached the hardware before the close: it ran")
@Outcome(id = "submitted, 1, ESRCH, 0, 1", expect = ACCEPTABLE, desc = "queued at the close: killed, freed, finished KILLED")
@Outcome(id = "rejected, 0, none, 0, 0", expect = ACCEPTABLE, desc = "closed first: the submission threw")
@Outcome(expect = FORBIDDEN, desc = "a job lost, run after being counted as killed, killed after running, or freed other than once")
@State
public class EntityCloseVsSubmit {

    /** One scheduler for the whole fork; every state gets a fresh entity on it. */
    private static final Scheduler<Probe> SCHEDULER = Scheduler.builder(new ProbeBackend('A'))
            .name("stress-close-entity").dispatcher(Rig.DISPATCHER).creditLimit(4).build();

    private final Entity<Probe> entity = SCHEDULER.newEntity(Priority.NORMAL);
    private final Probe probe = new Probe('1', new RunLog());
    private SubmittedJob<Probe> job;

    /** Closes the entity, killing what is still queued. */
    @Actor
    public void closer(LLLLL_Result r) {
        r.r2 = entity.close(Duration.ZERO);
    }

    /** Submits one job. */
    @Actor
    public void submitter(LLLLL_Result r) {
        try {
            job = entity.job(probe).submit();
            r.r1 = "submitted";
        } catch (SchedulerClosedException e) {
            r.r1 = "scheduler closed"; // the scheduler is never closed here
        } catch (IllegalStateException e) {
            r.r1 = "rejected";
        }
    }

    /** Waits (bounded) for the job's end, then reads what happened to it. */
    @Arbiter
    public void arbiter(LLLLL_Result r) {
        if (job == null) {
            r.r3 = "none";
        } else {
            Bounded.await(job.finished());
            Bounded.quiesce(SCHEDULER);
            r.r3 = Bounded.outcome(job.finished());
        }
        r.r4 = probe.runs.get();
        r.r5 = probe.frees.get();
    }
}
