package org.gpusched.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.gpusched.exec.RealtimeDispatcher;
import org.gpusched.fence.Fence;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobBuilder;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
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

/**
 * Dependency resolution: the kernel's ping-pong (two entities, each job depending on the
 * previous job of the other), with hardware fences that signal at once. One operation is one
 * job of a chain of {@value #CHAIN}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PingPong {

    static final int CHAIN = 1000;

    /** gpusched or the baseline. */
    @Param({"gpusched", "baseline"})
    public String scheduler;

    private RealtimeDispatcher dispatcher;
    private Scheduler<Object> gs;
    private Entity<Object> ping;
    private Entity<Object> pong;
    private BaselineScheduler baseline;
    private BaselineScheduler.Entity bPing;
    private BaselineScheduler.Entity bPong;

    /** Builds the scheduler and the two entities. */
    @Setup(Level.Trial)
    public void setUp() {
        if (scheduler.equals("baseline")) {
            CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
            baseline = new BaselineScheduler(64, j -> done);
            bPing = baseline.newEntity();
            bPong = baseline.newEntity();
            return;
        }
        dispatcher = new RealtimeDispatcher("bench", 1);
        gs = Scheduler.builder(Targets.signalsAtOnce()).name("bench").creditLimit(64).dispatcher(dispatcher).build();
        ping = gs.newEntity("ping", Priority.NORMAL);
        pong = gs.newEntity("pong", Priority.NORMAL);
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

    /** Submits the chain and waits for its last job. */
    @Benchmark
    @OperationsPerInvocation(CHAIN)
    public void chain() {
        if (baseline != null) {
            CompletableFuture<Void> prev = null;
            for (int i = 0; i < CHAIN; i++) {
                BaselineScheduler.Entity e = (i & 1) == 0 ? bPing : bPong;
                prev = prev == null ? e.submit(this, 1).finished : e.submit(this, 1, prev).finished;
            }
            prev.join();
            return;
        }
        SubmittedJob<Object> prev = null;
        for (int i = 0; i < CHAIN; i++) {
            JobBuilder<Object> b = ((i & 1) == 0 ? ping : pong).job(this);
            if (prev != null) {
                b.dependsOn(prev.finished());
            }
            prev = b.submit();
        }
        Fence last = prev.finished();
        while (!last.isSignaled()) {
            Thread.onSpinWait();
        }
    }
}
