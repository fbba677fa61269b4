package org.gpusched.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.gpusched.exec.RealtimeDispatcher;
import org.gpusched.fence.Fence;
import org.gpusched.sched.Backend;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.TimeoutVerdict;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Submit-to-run latency on an idle scheduler: from the call that submits a job to the moment the
 * backend's {@code run} is entered, sampled per job. The scheduler is idle between jobs, so its
 * worker is parked (or, in direct-run mode, the submitting thread runs the job itself).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SubmitToRun {

    /** gpusched with a parked worker, gpusched in direct-run mode, or the baseline. */
    @Param({"gpusched", "gpusched-direct", "baseline"})
    public String scheduler;

    private volatile long runs;
    private RealtimeDispatcher dispatcher;
    private Scheduler<Object> gs;
    private Entity<Object> entity;
    private BaselineScheduler baseline;
    private BaselineScheduler.Entity baselineEntity;

    /** Builds the scheduler under test. */
    @Setup(Level.Trial)
    public void setUp() {
        if (scheduler.equals("baseline")) {
            CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
            baseline = new BaselineScheduler(64, j -> {
                runs++;
                return done;
            });
            baselineEntity = baseline.newEntity();
            return;
        }
        dispatcher = new RealtimeDispatcher("bench", 1);
        gs = Scheduler.builder(new Backend<Object>() {
            @Override
            public Fence run(JobView<Object> job) {
                runs++;
                return Fence.signaled();
            }

            @Override
            public TimeoutVerdict timedOut(JobView<Object> job) {
                return TimeoutVerdict.RESET;
            }
        }).name("bench").creditLimit(64).dispatcher(dispatcher).directRun(scheduler.equals("gpusched-direct")).build();
        entity = gs.newEntity("e", Priority.NORMAL);
    }

    /** Closes it. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (baseline != null) {
            baseline.close();
        } else {
            gs.close();
            dispatcher.close();
        }
    }

    /** Submits one job and waits (spinning) until the backend runs it. */
    @Benchmark
    public void submitToRun() {
        long before = runs;
        if (baseline != null) {
            baselineEntity.submit(this, 1);
        } else {
            entity.job(this).submit();
        }
        while (runs == before) {
            Thread.onSpinWait();
        }
    }
}
