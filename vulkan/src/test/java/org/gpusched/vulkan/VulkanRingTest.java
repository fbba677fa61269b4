package org.gpusched.vulkan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.vulkan.TestDevice.await;
import static org.gpusched.vulkan.TestDevice.positionOf;
import static org.gpusched.vulkan.TestDevice.seqsOf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobEvent;
import org.gpusched.sched.Policy;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SchedulerObserver;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sched.TimeoutVerdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Vulkan backend on a real device (lavapipe in CI): every job is a real dispatch of the
 * {@code add} or {@code spin} shader appending (entity, seq) to a log buffer, and the host reads
 * the log to prove what ran, how often and in which order. Where a test needs a job to stay on
 * the GPU, it holds it behind a {@link GpuGate} instead of hoping a spin is long enough.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VulkanRingTest {

    private final VulkanDevice dev = TestDevice.get();
    private final ComputeProgram add = dev.builtin("add");

    private VulkanJob addJob(long set, int entity, int seq) {
        return add.dispatch(set, 1, 1, 1).pushConstants(entity, seq, 0);
    }

    @Test
    void everyJobRunsOnceAndInEntityOrder() {
        int perEntity = 40;
        List<SubmittedJob<VulkanJob>> jobs = new ArrayList<>();
        try (JobLog log = new JobLog(dev, 512); VulkanRing ring = dev.ring("order").depth(4).build()) {
            long set = add.bind(log.buffer());
            try (Scheduler<VulkanJob> s = ring.schedulerBuilder().policy(Policy.RR).build()) {
                List<Entity<VulkanJob>> es = List.of(s.newEntity("low", Priority.LOW), s.newEntity("normal", Priority.NORMAL),
                        s.newEntity("high", Priority.HIGH));
                for (int seq = 1; seq <= perEntity; seq++) {
                    for (int e = 0; e < es.size(); e++) {
                        jobs.add(es.get(e).job(addJob(set, e + 1, seq)).submit());
                    }
                }
                for (SubmittedJob<VulkanJob> j : jobs) {
                    await(j.finished());
                    assertThat(j.finished().error()).isEqualTo(FenceError.NONE);
                }
            }
            assertThat(log.count()).isEqualTo(3 * perEntity);
            List<Integer> expected = IntStream.rangeClosed(1, perEntity).boxed().toList();
            for (int e = 1; e <= 3; e++) {
                assertThat(seqsOf(log, e)).as("entity %d's jobs, in GPU order", e).isEqualTo(expected);
            }
            assertThat(ring.submittedJobs()).isEqualTo(3L * perEntity);
            assertThat(ring.maxInFlight()).isBetween(1, 4);
        }
        for (SubmittedJob<VulkanJob> j : jobs) {
            assertThat(j.payload().gpuIdle().isSignaled()).isTrue();
            assertThat(j.payload().submitted()).isTrue();
        }
    }

    @Test
    void cpuDependenciesAcrossEntitiesHoldOnTheGpu() {
        ComputeProgram spin = dev.builtin("spin");
        long rounds = TestDevice.spin().roundsFor(300_000); // 0.3 ms: the consumer would overtake it otherwise
        try (JobLog log = new JobLog(dev, 64); VulkanRing ring = dev.ring("deps").depth(4).build()) {
            long addSet = add.bind(log.buffer());
            long spinSet = spin.bind(log.buffer());
            List<SubmittedJob<VulkanJob>> consumers = new ArrayList<>();
            try (Scheduler<VulkanJob> s = ring.schedulerBuilder().build()) {
                Entity<VulkanJob> producer = s.newEntity("producer", Priority.LOW);
                Entity<VulkanJob> consumer = s.newEntity("consumer", Priority.HIGH);
                for (int k = 1; k <= 10; k++) {
                    var p = producer.job(spin.dispatch(spinSet, 1, 1, 1).pushConstants(1, k, (int) rounds)).submit();
                    consumers.add(consumer.job(addJob(addSet, 2, k)).dependsOn(p.finished()).submit());
                }
                consumers.forEach(c -> await(c.finished()));
            }
            for (int k = 1; k <= 10; k++) {
                assertThat(positionOf(log, 1, k)).as("producer %d ran", k).isNotNegative();
                assertThat(positionOf(log, 2, k)).as("consumer %d after producer %d", k, k).isGreaterThan(positionOf(log, 1, k));
            }
            assertThat(ring.gpuWaits()).as("dependsOn is waited for on the CPU").isZero();
        }
    }

    @Test
    void aDependencyOnAnotherRingsJobIsASemaphoreWaitWithoutCpuRoundTrip() {
        int otherQueue = Math.min(1, dev.queueCount() - 1); // lavapipe has one queue: two rings share it
        try (JobLog log = new JobLog(dev, 16);
             VulkanRing ra = dev.ring("producer-ring").build();
             VulkanRing rb = dev.ring("consumer-ring").queue(otherQueue).build();
             GpuGate gate = dev.gate()) {
            long set = add.bind(log.buffer());
            AtomicReference<Boolean> producerDoneWhenConsumerFinished = new AtomicReference<>();
            try (Scheduler<VulkanJob> sa = ra.schedulerBuilder().build();
                 Scheduler<VulkanJob> sb = rb.schedulerBuilder().build()) {
                var a = sa.newEntity("a", Priority.NORMAL).job(addJob(set, 1, 1).waitForGate(gate)).submit();
                var b = sb.newEntity("b", Priority.NORMAL).job(addJob(set, 2, 1)).dependsOn(a.finished()).submit();
                b.finished().onSignal(f -> producerDoneWhenConsumerFinished.set(a.finished().isSignaled()));
                await(b.scheduled());
                // b was handed to its ring while a cannot have finished: a is held behind the closed gate.
                assertThat(a.finished().isSignaled()).isFalse();
                assertThat(b.payload().submitted()).isTrue();
                assertThat(rb.gpuWaits()).isEqualTo(1);
                gate.open();
                await(b.finished());
                assertThat(a.finished().error()).isEqualTo(FenceError.NONE);
                assertThat(b.finished().error()).isEqualTo(FenceError.NONE);
            }
            assertThat(producerDoneWhenConsumerFinished.get()).as("the producer's finished fence signalled first").isTrue();
            assertThat(positionOf(log, 1, 1)).as("producer on the GPU").isZero();
            assertThat(positionOf(log, 2, 1)).as("consumer on the GPU, after it").isEqualTo(1);
        }
    }

    @Test
    void withGpuDependenciesOffADependencyOnAnotherRingsJobIsWaitedForOnTheCpu() {
        try (JobLog log = new JobLog(dev, 16);
             VulkanRing ra = dev.ring("producer-ring").build();
             VulkanRing rb = dev.ring("consumer-ring").gpuDependencies(false).build();
             GpuGate gate = dev.gate()) {
            long set = add.bind(log.buffer());
            AtomicReference<Boolean> producerDoneWhenConsumerHanded = new AtomicReference<>();
            try (Scheduler<VulkanJob> sa = ra.schedulerBuilder().build();
                 Scheduler<VulkanJob> sb = rb.schedulerBuilder().build()) {
                var a = sa.newEntity("a", Priority.NORMAL).job(addJob(set, 1, 1).waitForGate(gate)).submit();
                await(a.scheduled());
                var b = sb.newEntity("b", Priority.NORMAL).job(addJob(set, 2, 1)).dependsOn(a.finished()).submit();
                b.scheduled().onSignal(f -> producerDoneWhenConsumerHanded.set(a.finished().isSignaled()));
                var c = sb.newEntity("c", Priority.NORMAL).job(addJob(set, 3, 1)).submit();
                await(c.scheduled()); // rb's scheduler has looked at b (submitted first) and left it waiting
                assertThat(b.scheduled().isSignaled()).isFalse();
                gate.open();
                await(b.finished());
                await(c.finished());
                assertThat(b.finished().error()).isEqualTo(FenceError.NONE);
            }
            assertThat(producerDoneWhenConsumerHanded.get()).as("b was handed to its ring after a finished").isTrue();
            assertThat(positionOf(log, 2, 1)).isGreaterThan(positionOf(log, 1, 1));
            assertThat(rb.gpuWaits()).isZero();
        }
    }

    @Test
    void aDependencyOnAFenceOfNoVulkanJobIsWaitedForOnTheCpu() {
        FenceSource external = Timeline.create("external").newFence();
        try (JobLog log = new JobLog(dev, 16); VulkanRing ring = dev.ring("external").build()) {
            long set = add.bind(log.buffer());
            try (Scheduler<VulkanJob> s = ring.schedulerBuilder().build()) {
                var b = s.newEntity("b", Priority.NORMAL).job(addJob(set, 1, 1)).dependsOn(external.fence()).submit();
                var c = s.newEntity("c", Priority.NORMAL).job(addJob(set, 2, 1)).submit();
                await(c.finished());
                assertThat(b.scheduled().isSignaled()).isFalse();
                external.signal();
                await(b.finished());
                assertThat(b.finished().error()).isEqualTo(FenceError.NONE);
            }
            assertThat(seqsOf(log, 1)).containsExactly(1);
            assertThat(ring.gpuWaits()).isZero();
        }
    }

    @Test
    void aDependencyOnAProducerKilledBeforeItsRingIsWaitedForOnTheCpu() {
        try (JobLog log = new JobLog(dev, 16);
             VulkanRing ra = dev.ring("producer-ring").build();
             VulkanRing rb = dev.ring("consumer-ring").build()) {
            long set = add.bind(log.buffer());
            FenceSource hold = Timeline.create("hold").newFence();
            AtomicReference<Boolean> producerDoneWhenConsumerHanded = new AtomicReference<>();
            try (Scheduler<VulkanJob> sa = ra.schedulerBuilder().build();
                 Scheduler<VulkanJob> sb = rb.schedulerBuilder().build()) {
                Entity<VulkanJob> pe = sa.newEntity("a", Priority.NORMAL);
                var a = pe.job(addJob(set, 1, 1)).dependsOn(hold.fence()).submit();
                var b = sb.newEntity("b", Priority.NORMAL).job(addJob(set, 2, 1)).dependsOn(a.finished()).submit();
                b.scheduled().onSignal(f -> producerDoneWhenConsumerHanded.set(a.finished().isSignaled()));
                pe.close(Duration.ZERO); // kills a before it ran; its finished fence waits for hold
                await(a.scheduled());
                var c = sb.newEntity("c", Priority.NORMAL).job(addJob(set, 3, 1)).submit();
                await(c.finished());
                assertThat(b.scheduled().isSignaled()).as("no GPU work to wait for: the CPU waits").isFalse();
                hold.signal();
                await(b.finished());
                assertThat(a.finished().error()).isEqualTo(FenceError.KILLED);
                assertThat(b.finished().error()).isEqualTo(FenceError.NONE);
            }
            assertThat(producerDoneWhenConsumerHanded.get()).as("b was handed to its ring after a's finished fence").isTrue();
            assertThat(seqsOf(log, 1)).as("the killed producer never ran").isEmpty();
            assertThat(seqsOf(log, 2)).containsExactly(1);
            assertThat(rb.gpuWaits()).isZero();
        }
    }

    @Test
    void creditsBoundTheJobsOnTheQueue() {
        try (JobLog log = new JobLog(dev, 16); VulkanRing ring = dev.ring("credits").depth(4).build();
             GpuGate gate = dev.gate()) {
            long set = add.bind(log.buffer());
            List<SubmittedJob<VulkanJob>> jobs = new ArrayList<>();
            try (Scheduler<VulkanJob> s = ring.schedulerBuilder().creditLimit(2).build()) {
                Entity<VulkanJob> e = s.newEntity("e", Priority.NORMAL);
                jobs.add(e.job(addJob(set, 1, 1).waitForGate(gate)).submit());
                for (int k = 2; k <= 6; k++) {
                    jobs.add(e.job(addJob(set, 1, k)).submit());
                }
                await(jobs.get(1).scheduled());
                // Two credits are taken by two jobs the gate holds on the GPU: the third waits.
                assertThat(ring.inFlight()).isEqualTo(2);
                assertThat(jobs.get(2).scheduled().isSignaled()).isFalse();
                gate.open();
                jobs.forEach(j -> await(j.finished()));
            }
            assertThat(ring.maxInFlight()).isEqualTo(2);
            assertThat(seqsOf(log, 1)).containsExactly(1, 2, 3, 4, 5, 6);
        }
    }

    @Test
    void theRingsSchedulerBuilderSetsTheCreditLimitToTheDepth() {
        try (VulkanRing ring = dev.ring("limit").depth(3).build(); Scheduler<VulkanJob> s = ring.schedulerBuilder().build()) {
            assertThat(s.creditLimit()).isEqualTo(3);
        }
    }

    @Test
    void aSchedulerWithMoreCreditsThanTheDepthCannotPutMoreJobsOnTheQueue() {
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        SchedulerObserver obs = new SchedulerObserver() {
            @Override
            public void onBackendFailure(String scheduler, String callback, org.gpusched.sched.JobView<?> job, Throwable t) {
                failures.add(callback + ": " + t.getMessage());
            }
        };
        try (JobLog log = new JobLog(dev, 16); VulkanRing ring = dev.ring("over").depth(2).build();
             GpuGate gate = dev.gate()) {
            long set = add.bind(log.buffer());
            List<SubmittedJob<VulkanJob>> jobs = new ArrayList<>();
            try (Scheduler<VulkanJob> s = Scheduler.builder(ring).name("over").creditLimit(4).observer(obs).build()) {
                Entity<VulkanJob> e = s.newEntity("e", Priority.NORMAL);
                jobs.add(e.job(addJob(set, 1, 1).waitForGate(gate)).submit());
                jobs.add(e.job(addJob(set, 1, 2)).submit());
                // Other entities, so that their finished fences need not wait for e's jobs.
                jobs.add(s.newEntity("f", Priority.NORMAL).job(addJob(set, 2, 3)).submit());
                jobs.add(s.newEntity("g", Priority.NORMAL).job(addJob(set, 3, 4)).submit());
                // Jobs 1 and 2 fill the depth (the gate holds them on the GPU); 3 and 4 are refused.
                await(jobs.get(2).finished());
                await(jobs.get(3).finished());
                assertThat(jobs.get(2).finished().error()).isEqualTo(FenceError.BACKEND_FAILED);
                assertThat(jobs.get(3).finished().error()).isEqualTo(FenceError.BACKEND_FAILED);
                assertThat(ring.inFlight()).isEqualTo(2);
                gate.open();
                await(jobs.get(1).finished());
                assertThat(jobs.get(0).finished().error()).isEqualTo(FenceError.NONE);
                assertThat(jobs.get(1).finished().error()).isEqualTo(FenceError.NONE);
                // With the queue free again, the same scheduler's next job fits.
                var next = e.job(addJob(set, 1, 5)).submit();
                await(next.finished());
                assertThat(next.finished().error()).isEqualTo(FenceError.NONE);
            }
            assertThat(failures).hasSize(2).allSatisfy(f -> assertThat(f).startsWith("run: ring over has depth 2")
                    .contains("ring.schedulerBuilder()"));
            assertThat(ring.maxInFlight()).isEqualTo(2);
            assertThat(ring.submittedJobs()).isEqualTo(3);
            assertThat(seqsOf(log, 1)).containsExactly(1, 2, 5);
            assertThat(log.count()).as("the refused jobs never ran").isEqualTo(3);
        }
    }

    @Test
    void aJobLargerThanTheFreeCreditsWaitsForThemAndNothingSkipsAheadOfIt() throws InterruptedException {
        CountDownLatch runnable = new CountDownLatch(2);
        SchedulerObserver obs = new SchedulerObserver() {
            @Override
            public void onJobEvent(JobEvent event, org.gpusched.sched.JobView<?> job, long t) {
                if (event == JobEvent.RUNNABLE && job.seqno() >= 1 && !job.entityName().equals("held")) {
                    runnable.countDown();
                }
            }
        };
        try (JobLog log = new JobLog(dev, 16); VulkanRing ring = dev.ring("big-jobs").depth(2).build();
             GpuGate gate = dev.gate()) {
            long set = add.bind(log.buffer());
            try (Scheduler<VulkanJob> s = ring.schedulerBuilder().observer(obs).build()) {
                var held = s.newEntity("held", Priority.NORMAL).job(addJob(set, 1, 1).waitForGate(gate)).submit();
                await(held.scheduled());
                var two = s.newEntity("big", Priority.NORMAL).job(addJob(set, 2, 1)).credits(2).submit();
                var small = s.newEntity("small", Priority.NORMAL).job(addJob(set, 3, 1)).submit();
                assertThat(runnable.await(60, TimeUnit.SECONDS)).isTrue();
                s.stop(); // returns once the scheduler's turn that found them runnable is over
                assertThat(two.scheduled().isSignaled()).as("2 credits do not fit next to the held job").isFalse();
                assertThat(small.scheduled().isSignaled()).as("the 1-credit job would fit, but does not skip ahead").isFalse();
                s.start(FenceError.NONE);
                gate.open();
                await(two.finished());
                await(small.finished());
            }
            assertThat(ring.maxInFlight()).isEqualTo(1);
            assertThat(log.entries().stream().map(JobLog.Entry::entity).toList()).containsExactly(1, 2, 3);
        }
    }

    @Test
    void timeoutResetEndsTheJobButTheGpuStillRunsItToTheEnd() throws InterruptedException {
        CountDownLatch timedOut = new CountDownLatch(1);
        SchedulerObserver obs = new SchedulerObserver() {
            @Override
            public void onJobEvent(JobEvent event, org.gpusched.sched.JobView<?> job, long t) {
                if (event == JobEvent.TIMED_OUT) {
                    timedOut.countDown();
                }
            }
        };
        try (JobLog log = new JobLog(dev, 16); VulkanRing ring = dev.ring("timeout").depth(1).build();
             GpuGate gate = dev.gate()) {
            long set = add.bind(log.buffer());
            try (Scheduler<VulkanJob> s = ring.schedulerBuilder().timeout(Duration.ofMillis(30)).observer(obs).build()) {
                Entity<VulkanJob> e = s.newEntity("e", Priority.NORMAL);
                var hung = e.job(addJob(set, 1, 1).waitForGate(gate)).submit();
                await(hung.finished());
                assertThat(hung.finished().error()).isEqualTo(FenceError.TIMED_OUT);
                assertThat(timedOut.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(ring.timeouts()).isEqualTo(1);
                // Vulkan cannot cancel it: the GPU still holds it, and its resources with it.
                assertThat(hung.payload().gpuIdle().isSignaled()).isFalse();
                s.setTimeout(null); // the next job waits behind it on the queue; do not time that one out
                // Depth 1: the timed-out job left the credit count, so the next one is not refused.
                var next = e.job(addJob(set, 1, 2)).submit();
                await(next.scheduled());
                assertThat(ring.inFlight()).as("both on the queue").isEqualTo(2);
                gate.open();
                await(next.finished());
                assertThat(next.finished().error()).isEqualTo(FenceError.NONE);
                await(hung.payload().gpuIdle());
                assertThat(hung.payload().gpuIdle().error()).isEqualTo(FenceError.NONE);
            }
            assertThat(seqsOf(log, 1)).as("the timed-out job still ran, once, before the next").containsExactly(1, 2);
        }
    }

    @Test
    void aJobEndedByResetLeavesTheDepthAtOnceWhileItsFinishedFenceStillWaitsForItsDependency()
            throws InterruptedException {
        CountDownLatch timedOut = new CountDownLatch(1);
        SchedulerObserver obs = new SchedulerObserver() {
            @Override
            public void onJobEvent(JobEvent event, org.gpusched.sched.JobView<?> job, long t) {
                if (event == JobEvent.TIMED_OUT) {
                    timedOut.countDown();
                }
            }
        };
        try (JobLog log = new JobLog(dev, 16);
             VulkanRing producerRing = dev.ring("producer-ring").build();
             VulkanRing ring = dev.ring("reset-depth").depth(1).build();
             GpuGate gate = dev.gate()) {
            long set = add.bind(log.buffer());
            try (Scheduler<VulkanJob> sp = producerRing.schedulerBuilder().build();
                 Scheduler<VulkanJob> s = ring.schedulerBuilder().timeout(Duration.ofMillis(30)).observer(obs).build()) {
                var p = sp.newEntity("p", Priority.NORMAL).job(addJob(set, 1, 1).waitForGate(gate)).submit();
                // t waits for p on the GPU, times out there, and its finished fence waits for p's.
                var t = s.newEntity("t", Priority.NORMAL).job(addJob(set, 2, 1)).dependsOn(p.finished()).submit();
                assertThat(timedOut.await(30, TimeUnit.SECONDS)).isTrue();
                assertThat(t.finished().isSignaled()).as("still waits for its producer").isFalse();
                s.setTimeout(null);
                var n = s.newEntity("n", Priority.NORMAL).job(addJob(set, 3, 1)).submit();
                await(n.scheduled());
                assertThat(n.payload().submitted()).as("depth 1, but the timed-out job no longer counts").isTrue();
                assertThat(ring.inFlight()).isEqualTo(2);
                gate.open();
                await(n.finished());
                await(t.finished());
                assertThat(t.finished().error()).isEqualTo(FenceError.TIMED_OUT);
                assertThat(n.finished().error()).isEqualTo(FenceError.NONE);
            }
            assertThat(log.entries().stream().map(JobLog.Entry::entity).toList()).containsExactly(1, 2, 3);
        }
    }

    @Test
    void timeoutOfASpinLongerThanTheTimeoutEndsItTimedOut() {
        SpinCalibration cal = TestDevice.spin();
        ComputeProgram spin = dev.builtin("spin");
        Duration timeout = Duration.ofMillis(10);
        long rounds = cal.roundsFor(Math.min(cal.maxNanos(), 500_000_000L));
        try (JobLog log = new JobLog(dev, 16); VulkanRing ring = dev.ring("spin-timeout").timestamps(true).build()) {
            long set = spin.bind(log.buffer());
            SubmittedJob<VulkanJob> long1;
            try (Scheduler<VulkanJob> s = ring.schedulerBuilder().timeout(timeout).build()) {
                long1 = s.newEntity("e", Priority.NORMAL).job(spin.dispatch(set, 1, 1, 1)
                        .pushConstants(1, 1, (int) rounds)).submit();
                await(long1.finished());
                assertThat(long1.finished().error()).isEqualTo(FenceError.TIMED_OUT);
            }
            await(long1.payload().gpuIdle());
            assertThat(long1.payload().gpuNanos()).as("the spin ran longer than the timeout").isGreaterThan(timeout.toNanos());
            assertThat(seqsOf(log, 1)).containsExactly(1);
        }
    }

    @Test
    void timeoutNoHangKeepsWaitingForTheJob() throws InterruptedException {
        CountDownLatch timedOut = new CountDownLatch(2);
        SchedulerObserver obs = new SchedulerObserver() {
            @Override
            public void onJobEvent(JobEvent event, org.gpusched.sched.JobView<?> job, long t) {
                if (event == JobEvent.TIMED_OUT) {
                    timedOut.countDown();
                }
            }
        };
        try (JobLog log = new JobLog(dev, 16);
             VulkanRing ring = dev.ring("no-hang").onTimeout(TimeoutVerdict.NO_HANG).build(); GpuGate gate = dev.gate()) {
            long set = add.bind(log.buffer());
            try (Scheduler<VulkanJob> s = ring.schedulerBuilder().timeout(Duration.ofMillis(20)).observer(obs).build()) {
                var held = s.newEntity("e", Priority.NORMAL).job(addJob(set, 1, 1).waitForGate(gate)).submit();
                assertThat(timedOut.await(30, TimeUnit.SECONDS)).as("asked twice: NO_HANG restarts the period").isTrue();
                assertThat(held.finished().isSignaled()).isFalse();
                gate.open();
                await(held.finished());
                assertThat(held.finished().error()).isEqualTo(FenceError.NONE);
            }
            assertThat(ring.timeouts()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void closingTheSchedulerWithWorkInFlightCancelsItAndTheGpuStillFinishesIt() {
        List<SubmittedJob<VulkanJob>> jobs = new ArrayList<>();
        VulkanRing ring = dev.ring("teardown").depth(4).build();
        try (JobLog log = new JobLog(dev, 32); GpuGate gate = dev.gate()) {
            long set = add.bind(log.buffer());
            Scheduler<VulkanJob> s = ring.schedulerBuilder().build();
            Entity<VulkanJob> e = s.newEntity("e", Priority.NORMAL);
            jobs.add(e.job(addJob(set, 1, 1).waitForGate(gate)).submit());
            for (int k = 2; k <= 7; k++) {
                jobs.add(e.job(addJob(set, 1, k)).submit());
            }
            await(jobs.get(3).scheduled()); // four on the queue (the credit limit), three queued
            s.close();
            for (int k = 0; k < 7; k++) {
                assertThat(jobs.get(k).finished().error()).as("job %d", k + 1)
                        .isEqualTo(k < 4 ? FenceError.CANCELED : FenceError.KILLED);
            }
            for (int k = 0; k < 4; k++) {
                assertThat(jobs.get(k).payload().gpuIdle().isSignaled()).as("job %d still on the GPU", k + 1).isFalse();
            }
            for (int k = 4; k < 7; k++) {
                assertThat(jobs.get(k).payload().gpuIdle().isSignaled()).as("killed job %d never reached the GPU", k + 1)
                        .isTrue();
                assertThat(jobs.get(k).payload().submitted()).isFalse();
            }
            gate.open();
            ring.close(); // waits for the GPU
            for (int k = 0; k < 4; k++) {
                assertThat(jobs.get(k).payload().gpuIdle().isSignaled()).isTrue();
                assertThat(jobs.get(k).payload().gpuIdle().error()).isEqualTo(FenceError.NONE);
            }
            assertThat(seqsOf(log, 1)).as("cancelled jobs still ran; killed ones never did").containsExactly(1, 2, 3, 4);
            assertThat(ring.completedJobs()).isEqualTo(4);
        }
    }

    @Test
    void deviceLossSeenByTheCompletionThreadEndsEveryPendingJobAndLaterJobsWithDeviceGone() {
        // A device of its own: a lost device stays lost.
        String index = Integer.toString(dev.info().index());
        try (VulkanDevice d = VulkanDevice.open(index)) {
            ComputeProgram add2 = d.builtin("add");
            JobLog log = new JobLog(d, 16); // closed with the device
            long set = add2.bind(log.buffer());
            VulkanRing ring = d.ring("lost").build();
            GpuGate gate = d.gate();
            Scheduler<VulkanJob> s = ring.schedulerBuilder().build();
            try {
                Entity<VulkanJob> e = s.newEntity("e", Priority.NORMAL);
                var a = e.job(add2.dispatch(set, 1, 1, 1).pushConstants(1, 1, 0).waitForGate(gate)).submit();
                var b = e.job(add2.dispatch(set, 1, 1, 1).pushConstants(1, 2, 0)).submit();
                await(b.scheduled()); // both on the queue, held there by the gate
                d.simulateDeviceLoss();
                await(a.finished());
                await(b.finished());
                assertThat(d.isLost()).isTrue();
                assertThat(a.finished().error()).isEqualTo(FenceError.DEVICE_GONE);
                assertThat(b.finished().error()).isEqualTo(FenceError.DEVICE_GONE);
                await(a.payload().gpuIdle());
                assertThat(a.payload().gpuIdle().error()).isEqualTo(FenceError.DEVICE_GONE);
                assertThat(ring.inFlight()).isZero();
                var c = e.job(add2.dispatch(set, 1, 1, 1).pushConstants(1, 3, 0)).submit();
                await(c.finished());
                assertThat(c.finished().error()).isEqualTo(FenceError.DEVICE_GONE);
                assertThat(c.payload().submitted()).as("no Vulkan call after the loss").isFalse();
                assertThat(ring.submittedJobs()).isEqualTo(2);
            } finally {
                s.close();
                // The loss was simulated: the GPU still holds the two jobs. Let them end first.
                gate.open();
                org.lwjgl.vulkan.VK10.vkDeviceWaitIdle(d.vkDevice());
            }
        }
    }

    @Test
    void aCommandBufferRecordedByTheCallerRunsBetweenTheRingsBarriers() {
        try (JobLog log = new JobLog(dev, 16);
             RecordedDispatch rec = new RecordedDispatch(dev, add, add.bind(log.buffer()), new int[] {7, 1, 0});
             VulkanRing ring = dev.ring("recorded").build()) {
            long set = add.bind(log.buffer());
            try (Scheduler<VulkanJob> s = ring.schedulerBuilder().build()) {
                Entity<VulkanJob> e = s.newEntity("e", Priority.NORMAL);
                var a = e.job(addJob(set, 7, 0)).submit();
                var b = e.job(VulkanJob.commands(rec.commandBuffer())).submit();
                var c = e.job(addJob(set, 7, 2)).submit();
                await(c.finished());
                assertThat(b.finished().error()).isEqualTo(FenceError.NONE);
                assertThat(a.finished().error()).isEqualTo(FenceError.NONE);
            }
            assertThat(seqsOf(log, 7)).containsExactly(0, 1, 2);
        }
    }

    @Test
    void aJobHandedToTheRingTwiceFailsTheSecondTime() {
        try (JobLog log = new JobLog(dev, 16); VulkanRing ring = dev.ring("twice").build()) {
            long set = add.bind(log.buffer());
            try (Scheduler<VulkanJob> s = ring.schedulerBuilder().build()) {
                Entity<VulkanJob> e = s.newEntity("e", Priority.NORMAL);
                VulkanJob job = addJob(set, 1, 1);
                var first = e.job(job).submit();
                var second = e.job(job).submit();
                await(second.finished());
                assertThat(first.finished().error()).isEqualTo(FenceError.NONE);
                assertThat(second.finished().error()).isEqualTo(FenceError.BACKEND_FAILED);
            }
            assertThat(seqsOf(log, 1)).containsExactly(1);
        }
    }
}
