package org.gpusched.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.gpusched.exec.RealtimeDispatcher;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
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
 * Turnaround: from the hardware fence of the running job signalling to the next (already queued)
 * job's {@code run} call, on a ring with credit limit 1. Before each sample a job is queued
 * behind the running one (not timed); the sample signals the running job's hardware fence and
 * waits until the next job is handed to the backend.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class Turnaround {

    /** gpusched with a parked worker, gpusched in direct-run mode, or the baseline. */
    @Param({"gpusched", "gpusched-direct", "baseline"})
    public String scheduler;

    private volatile long runs;
    private volatile FenceSource running;
    private volatile CompletableFuture<Void> runningBaseline;
    private RealtimeDispatcher dispatcher;
    private Scheduler<Object> gs;
    private Entity<Object> entity;
    private BaselineScheduler baseline;
    private BaselineScheduler.Entity baselineEntity;
    private final Timeline hw = Timeline.create("ring");

    /** Builds the scheduler and puts a first job on the ring. */
    @Setup(Level.Trial)
    public void setUp() {
        if (scheduler.equals("baseline")) {
            baseline = new BaselineScheduler(1, j -> {
                CompletableFuture<Void> f = new CompletableFuture<>();
                runningBaseline = f;
                runs++;
                return f;
            });
            baselineEntity = baseline.newEntity();
        } else {
            dispatcher = new RealtimeDispatcher("bench", 1);
            gs = Scheduler.builder(new Backend<Object>() {
                @Override
                public Fence run(JobView<Object> job) {
                    FenceSource f = hw.newFence();
                    running = f;
                    runs++;
                    return f.fence();
                }

                @Override
                public TimeoutVerdict timedOut(JobView<Object> job) {
                    return TimeoutVerdict.RESET;
                }
            }).name("bench").creditLimit(1).dispatcher(dispatcher).directRun(scheduler.equals("gpusched-direct")).build();
            entity = gs.newEntity("e", Priority.NORMAL);
        }
        submit();
        while (runs == 0) {
            Thread.onSpinWait();
        }
    }

    /** Queues the next job behind the running one (not timed). */
    @Setup(Level.Invocation)
    public void queueNext() {
        submit();
    }

    private void submit() {
        if (baseline != null) {
            baselineEntity.submit(this, 1);
        } else {
            entity.job(this).submit();
        }
    }

    /** Completes the running job on the "hardware" and waits until the next one runs. */
    @Benchmark
    public void turnaround() {
        long before = runs;
        if (baseline != null) {
            runningBaseline.complete(null);
        } else {
            running.signal();
        }
        while (runs == before) {
            Thread.onSpinWait();
        }
    }

    /** Closes it. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (baseline != null) {
            runningBaseline.complete(null);
            baseline.close();
        } else {
            running.signal();
            gs.close();
            dispatcher.close();
        }
    }
}
