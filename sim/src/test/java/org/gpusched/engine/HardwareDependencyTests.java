package org.gpusched.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.engine.Harness.MS;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Backend;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sched.TimeoutVerdict;
import org.junit.jupiter.api.Test;

/**
 * {@link Backend#waitsOnHardware}: a dependency on another scheduler's job that the backend
 * takes onto the hardware (a GPU semaphore wait) is met once that job is on its ring, and the
 * consumer's finished fence still signals only after the producer's.
 */
class HardwareDependencyTests {
    final Harness h = new Harness();
    final ManualBackend<String> producerRing = new ManualBackend<>("producer", h.d.clock());
    final Scheduler<String> producer = Scheduler.builder(producerRing).name("producer").dispatcher(h.d).build();

    /** A consumer ring: hardware fences by hand, records what run saw and what it was asked. */
    static final class ConsumerRing implements Backend<String> {
        final ManualBackend<String> hw;
        final Predicate<Fence> accept;
        final List<String> asked = new ArrayList<>();
        List<Fence> dependenciesAtRun;

        ConsumerRing(Harness h, Predicate<Fence> accept) {
            this.hw = new ManualBackend<>("consumer", h.d.clock());
            this.accept = accept;
        }

        @Override
        public boolean waitsOnHardware(Fence dependency) {
            asked.add(dependency.origin().scheduled().isSignaled() ? "on its ring" : "not yet on its ring");
            return accept.test(dependency);
        }

        @Override
        public Fence run(JobView<String> job) {
            dependenciesAtRun = job.dependencies();
            return hw.run(job);
        }

        @Override
        public TimeoutVerdict timedOut(JobView<String> job) {
            return TimeoutVerdict.RESET;
        }
    }

    private Scheduler<String> consumer(ConsumerRing ring) {
        return Scheduler.builder(ring).name("consumer").dispatcher(h.d).build();
    }

    @Test
    void aConsumerRunsAsSoonAsItsProducerIsOnItsRingWhenTheBackendWaitsOnHardware() {
        ConsumerRing ring = new ConsumerRing(h, f -> true);
        Scheduler<String> c = consumer(ring);
        SubmittedJob<String> a = producer.newEntity("p", Priority.NORMAL).job("a").submit();
        SubmittedJob<String> b = c.newEntity("c", Priority.NORMAL).job("b").dependsOn(a.finished()).submit();
        h.schedule(b);
        assertThat(a.scheduled().isSignaled()).isTrue();
        assertThat(a.finished().isSignaled()).as("the producer is still running").isFalse();
        assertThat(ring.dependenciesAtRun).containsExactly(a.finished());
        assertThat(ring.asked).containsExactly("on its ring");
    }

    @Test
    void theConsumersFinishedFenceStillWaitsForTheProducersEvenIfItsHardwareIsDoneFirst() {
        ConsumerRing ring = new ConsumerRing(h, f -> true);
        Scheduler<String> c = consumer(ring);
        SubmittedJob<String> a = producer.newEntity("p", Priority.NORMAL).job("a").submit();
        SubmittedJob<String> b = c.newEntity("c", Priority.NORMAL).job("b").dependsOn(a.finished()).submit();
        h.schedule(b);
        h.at(2 * MS, () -> ring.hw.complete("c#1", FenceError.NONE));
        h.at(5 * MS, () -> producerRing.complete("p#1", FenceError.NONE));
        h.runTo(4 * MS);
        assertThat(b.finished().isSignaled()).as("consumer finished before its producer").isFalse();
        h.finish(b);
        assertThat(a.finished().timestampNanos()).isEqualTo(5 * MS);
        assertThat(b.finished().timestampNanos()).isEqualTo(5 * MS);
        assertThat(b.finished().error()).isEqualTo(FenceError.NONE);
    }

    @Test
    void aBackendThatDeclinesIsAskedOnceTheProducerIsOnItsRingAndTheCpuWaitsForTheFinishedFence() {
        ConsumerRing ring = new ConsumerRing(h, f -> false);
        Scheduler<String> c = consumer(ring);
        SubmittedJob<String> a = producer.newEntity("p", Priority.NORMAL).job("a").submit();
        SubmittedJob<String> b = c.newEntity("c", Priority.NORMAL).job("b").dependsOn(a.finished()).submit();
        h.schedule(a);
        h.at(3 * MS, () -> producerRing.complete("p#1", FenceError.NONE));
        h.schedule(b);
        assertThat(b.scheduled().timestampNanos()).isEqualTo(3 * MS);
        assertThat(ring.asked).containsExactly("on its ring");
    }

    @Test
    void aKilledProducerThatNeverReachedTheHardwareIsWaitedForOnTheCpu() {
        // The backend accepts only producers that really are on the producer's ring, as a GPU
        // backend must (a killed job has its scheduled fence signalled but no hardware work).
        ConsumerRing ring = new ConsumerRing(h, f -> producerRing.hardwareFence("p#2") != null);
        Scheduler<String> c = consumer(ring);
        var pe = producer.newEntity("p", Priority.NORMAL);
        var gate = h.driverFence();
        SubmittedJob<String> x = pe.job("x").dependsOn(gate.fence()).submit();
        SubmittedJob<String> a = pe.job("a").submit();
        SubmittedJob<String> b = c.newEntity("c", Priority.NORMAL).job("b").dependsOn(a.finished()).submit();
        pe.close(java.time.Duration.ZERO); // kills x and a before they ran; they end after the gate
        h.at(4 * MS, gate::signal);
        h.schedule(b);
        assertThat(ring.asked).containsExactly("on its ring");
        assertThat(x.finished().error()).isEqualTo(FenceError.KILLED);
        assertThat(a.finished().error()).isEqualTo(FenceError.KILLED);
        assertThat(b.scheduled().timestampNanos()).isEqualTo(4 * MS);
    }
}
