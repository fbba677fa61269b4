package org.gpusched.stress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.time.Duration;
import java.util.List;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Policy;
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
 * Priority and scheduler-list changes racing with submission and selection. An entity on
 * scheduler A (FIFO) gets three jobs (the third after the second finished, so that it finds
 * the entity idle and may move), while another thread raises its priority, rebinds it to
 * scheduler B (FAIR) and lowers its priority. The jobs still run in submission order, all
 * finish, each runs once on the scheduler it was bound to and is freed once, and the entity
 * never moves back to A. Results: (run order, outcomes, where each job ran, whether each ran
 * where it was bound, times each was freed).
 */
@JCStressTest
@Outcome(id = "123, OK, AAA, bound, 111", expect = ACCEPTABLE, desc = "rebound after the last submission: all ran on A")
@Outcome(id = "123, OK, AAB, bound, 111", expect = ACCEPTABLE, desc = "moved to B at the third submission (idle)")
@Outcome(id = "123, OK, BBB, bound, 111", expect = ACCEPTABLE, desc = "rebound before the first submission: all ran on B")
@Outcome(id = "123, OK, ABB, bound, 111", expect = ACCEPTABLE_INTERESTING,
        desc = "the first job finished before the second was submitted, and the entity moved then")
@Outcome(expect = FORBIDDEN, desc = "out of order, a job lost, failed or freed twice, moved back, or run on a scheduler it was not bound to")
@State
public class EntityRebindVsSelection {

    private static final Scheduler<Probe> A = Scheduler.builder(new ProbeBackend('A'))
            .name("A").policy(Policy.FIFO).dispatcher(Rig.DISPATCHER).creditLimit(2).build();
    private static final Scheduler<Probe> B = Scheduler.builder(new ProbeBackend('B'))
            .name("B").policy(Policy.FAIR).dispatcher(Rig.DISPATCHER).creditLimit(2).build();

    private final Entity<Probe> entity = Entity.create("rebind", Priority.NORMAL, List.of(A));
    private final RunLog ran = new RunLog();
    private final Probe[] probes = {new Probe('1', ran), new Probe('2', ran), new Probe('3', ran)};
    private final SubmittedJob<?>[] jobs = new SubmittedJob<?>[3];

    /** Submits two jobs back to back, waits for the second, submits a third. */
    @Actor
    public void submitter() {
        jobs[0] = entity.job(probes[0]).submit();
        jobs[1] = entity.job(probes[1]).submit();
        Bounded.await(jobs[1].finished());
        jobs[2] = entity.job(probes[2]).submit();
    }

    /** Changes the priority and the schedulers while the jobs are selected. */
    @Actor
    public void rebinder() {
        entity.setPriority(Priority.HIGH);
        entity.setSchedulers(List.of(B));
        entity.setPriority(Priority.LOW);
    }

    /** Waits (bounded) for all jobs, then reads order and placement. */
    @Arbiter
    public void arbiter(LLLLL_Result r) {
        StringBuilder outcomes = new StringBuilder();
        StringBuilder where = new StringBuilder();
        StringBuilder frees = new StringBuilder();
        boolean bound = true;
        for (int i = 0; i < jobs.length; i++) {
            Bounded.await(jobs[i].finished());
        }
        Bounded.quiesce(A);
        Bounded.quiesce(B);
        for (int i = 0; i < jobs.length; i++) {
            String o = Bounded.outcome(jobs[i].finished());
            if (!o.equals("OK")) {
                outcomes.append(outcomes.isEmpty() ? "" : " ").append(i + 1).append(':').append(o);
            }
            char on = probes[i].ranOn;
            where.append(on);
            bound &= probes[i].boundTo.equals(String.valueOf(on));
            frees.append(probes[i].frees.get());
        }
        r.r1 = ran.text();
        r.r2 = outcomes.isEmpty() ? "OK" : outcomes.toString();
        r.r3 = where.toString();
        r.r4 = bound ? "bound" : "ran elsewhere";
        r.r5 = frees.toString();
        entity.close(Duration.ZERO); // lets the scheduler forget the entity
    }
}
