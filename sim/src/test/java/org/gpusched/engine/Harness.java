package org.gpusched.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Policy;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;
import org.gpusched.sim.SimRing;

/**
 * The common fixture of the engine tests: a virtual dispatcher (so that every time below is an
 * exact virtual time), one simulated ring wrapped in a recording backend, and an event log.
 * Runs fail with a message instead of hanging when a condition never comes true.
 */
final class Harness {
    static final long US = 1_000L;
    static final long MS = 1_000_000L;
    /** Far enough for every scenario here; reaching it means the engine got stuck. */
    static final long LIMIT = 100_000 * MS;

    final VirtualDispatcher d = new VirtualDispatcher();
    final SimRing ring = new SimRing("ring", d);
    final RecordingBackend<SimJob> backend = new RecordingBackend<>(ring, d.clock());
    final EventLog log = new EventLog();
    private final Timeline driver = Timeline.create("driver", d.clock());

    /** A builder on the recording backend, the virtual dispatcher and the event log. */
    Scheduler.Builder<SimJob> builder() {
        return Scheduler.builder(backend).name("gpu").dispatcher(d).observer(log);
    }

    Scheduler<SimJob> sched(int creditLimit) {
        return builder().creditLimit(creditLimit).build();
    }

    Scheduler<SimJob> sched(int creditLimit, Policy policy) {
        return builder().creditLimit(creditLimit).policy(policy).build();
    }

    /** A fence of a driver timeline (not the scheduler's), signalled by the test. */
    FenceSource driverFence() {
        return driver.newFence();
    }

    /** Runs events until {@code condition} holds; fails if it never does. */
    void runUntil(BooleanSupplier condition) {
        assertThat(d.runUntil(condition, LIMIT)).as("condition reached (virtual time now %d ns)", d.nanoTime())
                .isTrue();
    }

    /** Runs events until {@code job} has finished. */
    void finish(SubmittedJob<?> job) {
        runUntil(() -> job.finished().isSignaled());
    }

    /** Runs events until {@code job} is on the hardware (or was killed). */
    void schedule(SubmittedJob<?> job) {
        runUntil(() -> job.scheduled().isSignaled());
    }

    /** Runs every event up to the absolute virtual time {@code t}. */
    void runTo(long t) {
        long now = d.nanoTime();
        assertThat(t).as("target time is not in the past").isGreaterThanOrEqualTo(now);
        d.runFor(t - now);
    }

    /** Runs {@code action} at absolute virtual time {@code t} as an event. */
    void at(long t, Runnable action) {
        d.schedule(t, action);
    }

    long now() {
        return d.nanoTime();
    }

    static SimJob ms(long millis) {
        return SimJob.of(Duration.ofMillis(millis));
    }

    static SimJob us(long micros) {
        return SimJob.ofMicros(micros);
    }

    /** "entity#seqno", the label every recorder uses for a job. */
    static String label(JobView<?> job) {
        return job.entityName() + "#" + job.seqno();
    }
}
