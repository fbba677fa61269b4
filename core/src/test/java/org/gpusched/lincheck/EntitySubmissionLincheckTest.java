package org.gpusched.lincheck;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Backend;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sched.TimeoutVerdict;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * The entity queue's submission path as a concurrent object, checked for linearizability by
 * Lincheck: several threads submit jobs to two entities of one scheduler, read their queue
 * depths and close them, all at once.
 *
 * <p>The target is honest about its scope: the scheduler runs on a {@link ParkedDispatcher},
 * whose lane does not run while the threads race, so what is checked is what submitters see
 * and leave behind (the entity lock's seqno, fences and queue link; the queued counter; the
 * lock-free inbox that hands busy entities to the lane), not the lane's scheduling. Once every
 * thread is done, {@link #validate()} runs the lane on one thread and checks what it found in
 * each queue: every submitted job exactly once, in seqno order, their seqnos dense from 1, and
 * each job's two fences carrying its seqno; closed entities' jobs killed, the others run.
 *
 * <p>The sequential specification is {@link Spec}: per entity a counter of submissions, the
 * queue depth (jobs stay queued, as the lane is parked) and a closed flag. {@code submit}
 * returns the next seqno, or -1 once the entity is closed; {@code close} returns the number of
 * jobs it will kill (the queue depth) the first time and 0 afterwards.
 *
 * <p>Budget: model checking tries the two hand-written scenarios (three threads submitting to
 * one entity, one of them also to the other; and submissions racing a close) and
 * {@value #ITERATIONS} random scenarios of three threads with three operations each,
 * {@value #INVOCATIONS} interleavings each (each interleaving runs the submission path under
 * analysis, which is costly); stress mode tries {@value #STRESS_ITERATIONS} random scenarios and the
 * hand-written ones, {@value #STRESS_INVOCATIONS} runs each. A longer check is described in
 * {@link LincheckBudget}.
 */
@Param(name = "entity", gen = IntGen.class, conf = "0:1")
public class EntitySubmissionLincheckTest {

    static final int ITERATIONS = 4;
    static final int INVOCATIONS = 100;
    static final int STRESS_ITERATIONS = 8;
    static final int STRESS_INVOCATIONS = 500;

    private final ParkedDispatcher dispatcher = new ParkedDispatcher();
    /** Seqnos in the order the backend was asked to run them, per entity. */
    private final List<List<Long>> ran = List.of(new ArrayList<>(), new ArrayList<>());
    private final Scheduler<Integer> scheduler = Scheduler.builder(new Backend<Integer>() {
        @Override
        public Fence run(JobView<Integer> job) {
            ran.get(job.payload()).add(job.seqno());
            return Fence.signaled();
        }

        @Override
        public TimeoutVerdict timedOut(JobView<Integer> job) {
            throw new AssertionError("no timeout is configured");
        }
    }).name("lincheck").creditLimit(64).dispatcher(dispatcher).build();
    private final List<Entity<Integer>> entities = List.of(
            scheduler.newEntity("e0", Priority.NORMAL), scheduler.newEntity("e1", Priority.NORMAL));
    /** Every job handed out, per entity (written by many threads: guarded by itself). */
    private final List<List<SubmittedJob<Integer>>> submitted = List.of(new ArrayList<>(), new ArrayList<>());

    /** Submits a job to entity {@code e}; its seqno, or -1 if the entity is closed. */
    @Operation
    public long submit(@Param(name = "entity") int e) {
        SubmittedJob<Integer> job;
        try {
            job = entities.get(e).job(e).submit();
        } catch (IllegalStateException closed) {
            return -1;
        }
        synchronized (submitted) {
            submitted.get(e).add(job);
        }
        return job.seqno();
    }

    @Operation
    public int queueDepth(@Param(name = "entity") int e) {
        return entities.get(e).queueDepth();
    }

    /** Closes entity {@code e} without flushing; the number of jobs it kills. */
    @Operation
    public int close(@Param(name = "entity") int e) {
        return entities.get(e).close(Duration.ZERO);
    }

    /**
     * With every thread done, lets the lane take the queues, then checks each job handed out:
     * seqnos 1..n, both fences carrying the job's seqno, finished fences signalled in seqno
     * order, run in that order (or all killed if the entity was closed), queues empty.
     */
    @Validate
    public void validate() {
        LaneCheck.run(this);
    }

    /**
     * The body of {@link #validate()}: runs on one thread after the race, so model checking
     * has nothing to interleave in it and is told to leave it unanalysed (it runs the whole
     * lane, which would otherwise cost more than the race itself).
     */
    static final class LaneCheck {
        private LaneCheck() {
        }

        static void run(EntitySubmissionLincheckTest t) {
            t.checkAfterRace();
        }
    }

    private void checkAfterRace() {
        List<List<Long>> finishOrder = List.of(new ArrayList<>(), new ArrayList<>());
        List<List<SubmittedJob<Integer>>> jobs = new ArrayList<>();
        synchronized (submitted) {
            for (List<SubmittedJob<Integer>> l : submitted) {
                List<SubmittedJob<Integer>> sorted = new ArrayList<>(l);
                sorted.sort((x, y) -> Long.compare(x.seqno(), y.seqno()));
                jobs.add(sorted);
            }
        }
        for (int e = 0; e < 2; e++) {
            List<Long> order = finishOrder.get(e);
            long expected = 1;
            for (SubmittedJob<Integer> j : jobs.get(e)) {
                check(j.seqno() == expected, "e" + e + ": seqnos not dense from 1: " + seqnos(jobs.get(e)));
                check(j.scheduled().seqno() == j.seqno() && j.finished().seqno() == j.seqno(),
                        "e" + e + ": fences of job " + j.seqno() + " carry " + j.scheduled().seqno() + "/"
                                + j.finished().seqno());
                expected++;
                long s = j.seqno();
                j.finished().onSignal(f -> order.add(s));
            }
        }
        dispatcher.drain();
        for (int e = 0; e < 2; e++) {
            Entity<Integer> entity = entities.get(e);
            List<Long> all = seqnos(jobs.get(e));
            check(finishOrder.get(e).equals(all), "e" + e + ": finished fences signalled in order "
                    + finishOrder.get(e) + ", submitted " + all);
            check(entity.queueDepth() == 0, "e" + e + ": " + entity.queueDepth() + " jobs left queued");
            FenceError outcome = entity.isClosed() ? FenceError.KILLED : FenceError.NONE;
            for (SubmittedJob<Integer> j : jobs.get(e)) {
                check(j.finished().error().equals(outcome), "e" + e + ": job " + j.seqno() + " ended with "
                        + j.finished().error() + ", expected " + outcome);
            }
            List<Long> expectedRuns = entity.isClosed() ? List.of() : all;
            check(ran.get(e).equals(expectedRuns), "e" + e + ": backend ran " + ran.get(e) + ", expected "
                    + expectedRuns);
        }
    }

    private static List<Long> seqnos(List<SubmittedJob<Integer>> jobs) {
        return jobs.stream().map(SubmittedJob::seqno).toList();
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }

    /** The sequential specification: two entities whose queues only grow until closed. */
    public static class Spec {
        private final long[] submitted = new long[2];
        private final int[] depth = new int[2];
        private final boolean[] closed = new boolean[2];

        public long submit(int e) {
            if (closed[e]) {
                return -1;
            }
            depth[e]++;
            return ++submitted[e];
        }

        public int queueDepth(int e) {
            return depth[e];
        }

        public int close(int e) {
            if (closed[e]) {
                return 0;
            }
            closed[e] = true;
            return depth[e];
        }
    }

    /** Three threads submit to entity 0 (one also to entity 1, racing it into the lane's inbox). */
    private static ExecutionScenario concurrentSubmissions() {
        Class<?> t = EntitySubmissionLincheckTest.class;
        return Scenarios.scenario(t, List.of(), List.of(
                List.of(Scenarios.op(t, "submit", 0), Scenarios.op(t, "submit", 0)),
                List.of(Scenarios.op(t, "submit", 0), Scenarios.op(t, "queueDepth", 0)),
                List.of(Scenarios.op(t, "submit", 1), Scenarios.op(t, "submit", 0))),
                List.of(Scenarios.op(t, "queueDepth", 0)));
    }

    /** Submissions to entity 0 racing its close. */
    private static ExecutionScenario submissionsRacingClose() {
        Class<?> t = EntitySubmissionLincheckTest.class;
        return Scenarios.scenario(t, List.of(Scenarios.op(t, "submit", 0)), List.of(
                List.of(Scenarios.op(t, "submit", 0), Scenarios.op(t, "submit", 0)),
                List.of(Scenarios.op(t, "close", 0)),
                List.of(Scenarios.op(t, "submit", 0), Scenarios.op(t, "queueDepth", 0))),
                List.of(Scenarios.op(t, "submit", 0)));
    }

    @Test
    void submissionIsLinearizableUnderModelChecking() {
        new ModelCheckingOptions()
                .iterations(LincheckBudget.iterations(ITERATIONS))
                .invocationsPerIteration(LincheckBudget.invocations(INVOCATIONS))
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(1)
                .sequentialSpecification(Spec.class)
                .addGuarantee(ManagedStrategyGuaranteeKt.forClasses(LaneCheck.class.getName()).allMethods().ignore())
                .addCustomScenario(concurrentSubmissions())
                .addCustomScenario(submissionsRacingClose())
                .check(getClass());
    }

    @Test
    void submissionIsLinearizableUnderStress() {
        new StressOptions()
                .iterations(LincheckBudget.iterations(STRESS_ITERATIONS))
                .invocationsPerIteration(LincheckBudget.invocations(STRESS_INVOCATIONS))
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(1)
                .sequentialSpecification(Spec.class)
                .addCustomScenario(concurrentSubmissions())
                .addCustomScenario(submissionsRacingClose())
                .check(getClass());
    }
}
