package org.gpusched.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.gpusched.sched.Policy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Jobs per second through a scheduler whose hardware fences signal at once: each invocation
 * submits {@value #BATCH} jobs round robin over the entities and waits until they are all done,
 * so the figure covers submit, select, run, finish and free. One operation is one job.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Throughput {

    static final int BATCH = 10_000;

    /** Entities the jobs are spread over. */
    @Param({"1", "64", "10000"})
    public int entities;

    /** FIFO or FAIR for gpusched, or BASELINE. */
    @Param({"FIFO", "FAIR", "BASELINE"})
    public String scheduler;

    private Targets.Target target;
    private final AtomicLong submitted = new AtomicLong();

    /** Where a submitting thread is in the round robin. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        /** Threads start at different entities. */
        @Setup(Level.Trial)
        public void start() {
            next = (int) (Thread.currentThread().threadId() * 7919);
        }
    }

    /** Builds the scheduler under test. */
    @Setup(Level.Trial)
    public void setUp() {
        target = scheduler.equals("BASELINE") ? new Targets.Baseline(entities)
                : new Targets.Gpusched(Policy.valueOf(scheduler), entities, false);
    }

    /** Closes it. */
    @TearDown(Level.Trial)
    public void tearDown() {
        target.close();
    }

    /** One submitting thread. */
    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BATCH)
    public void oneSubmitter(Cursor c) {
        batch(c);
    }

    /** Two submitting threads (sharing the entities). */
    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(BATCH)
    public void twoSubmitters(Cursor c) {
        batch(c);
    }

    private void batch(Cursor c) {
        int n = entities;
        for (int i = 0; i < BATCH; i++) {
            target.submit(Math.floorMod(c.next++, n));
        }
        Targets.awaitCompleted(target, submitted.addAndGet(BATCH));
    }
}
