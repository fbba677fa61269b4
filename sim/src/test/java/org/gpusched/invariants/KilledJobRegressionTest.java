package org.gpusched.invariants;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;
import org.gpusched.sim.SimRing;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Focused reproductions of what the random scenarios found about killed jobs. The contract
 * (Entity.close): killed jobs' finished fences signal "each after its predecessor's and after
 * its own dependencies", so that a consumer of a killed job's fence never runs while a producer
 * it depended on is still writing.
 */
class KilledJobRegressionTest {

    private final VirtualDispatcher d = new VirtualDispatcher();
    private final SimRing ring0 = new SimRing("ring0", d);
    private final SimRing ring1 = new SimRing("ring1", d);
    private final Scheduler<SimJob> s0 = Scheduler.builder(ring0).name("s0").creditLimit(4).dispatcher(d).build();
    private final Scheduler<SimJob> s1 = Scheduler.builder(ring1).name("s1").creditLimit(4).dispatcher(d).build();

    @AfterEach
    void closeAll() {
        s0.close();
        s1.close();
        d.runUntilIdle(Duration.ofSeconds(1).toNanos());
    }

    @Test
    void killedJobFinishesOnlyAfterItsDriverFenceDependency() {
        Entity<SimJob> e = s0.newEntity("e", Priority.NORMAL);
        FenceSource driver = Timeline.create("driver", d.clock()).newFence();
        SubmittedJob<SimJob> j = e.job(SimJob.ofMicros(10)).dependsOn(driver.fence()).submit();
        d.runFor(Duration.ofMillis(1));
        assertThat(j.scheduled().isSignaled()).isFalse(); // waits for the driver fence

        e.close(Duration.ZERO);
        d.runFor(Duration.ofMillis(1));

        assertThat(j.finished().isSignaled())
                .as("killed job's finished fence while its dependency %s is pending", driver.fence())
                .isFalse();
        driver.signal();
        d.runFor(Duration.ofMillis(1));
        assertThat(j.finished().isSignaled()).isTrue();
        assertThat(j.finished().error()).isEqualTo(FenceError.KILLED);
        assertThat(j.payload().freeCount()).isEqualTo(1);
    }

    @Test
    void killedJobFinishesOnlyAfterTheJobItDependsOnOnAnotherRing() {
        Entity<SimJob> producer = s0.newEntity("producer", Priority.NORMAL);
        Entity<SimJob> consumer = s1.newEntity("consumer", Priority.NORMAL);
        SubmittedJob<SimJob> p = producer.job(SimJob.manual()).submit();
        SubmittedJob<SimJob> c = consumer.job(SimJob.ofMicros(10)).dependsOn(p.finished()).submit();
        d.runFor(Duration.ofMillis(1));
        assertThat(p.scheduled().isSignaled()).isTrue(); // on ring0, running until advanced

        consumer.close(Duration.ZERO);
        d.runFor(Duration.ofMillis(1));

        assertThat(c.finished().isSignaled())
                .as("killed consumer's finished fence while the producer still runs")
                .isFalse();
        ring0.advance(1);
        d.runFor(Duration.ofMillis(1));
        assertThat(p.finished().error()).isEqualTo(FenceError.NONE);
        assertThat(c.finished().isSignaled()).isTrue();
        assertThat(c.finished().error()).isEqualTo(FenceError.KILLED);
        assertThat(c.finished().timestampNanos()).isGreaterThanOrEqualTo(p.finished().timestampNanos());
    }
}
