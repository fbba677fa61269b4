package org.gpusched.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Policy;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void hundredJobsOfOneMillisecondFinishAtExactlyOneHundredMilliseconds() {
        VirtualDispatcher d = new VirtualDispatcher();
        SimRing ring = new SimRing("ring", d);
        Scheduler<SimJob> s = Scheduler.builder(ring).name("s").creditLimit(Integer.MAX_VALUE)
                .policy(Policy.FIFO).dispatcher(d).build();
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> last = null;
        for (int i = 0; i < 100; i++) {
            last = e.job(SimJob.of(Duration.ofMillis(1))).submit();
        }
        SubmittedJob<SimJob> l = last;
        assertThat(d.runUntil(() -> l.finished().isSignaled(), Duration.ofSeconds(1))).isTrue();
        assertThat(d.nanoTime()).isEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(l.finished().error()).isEqualTo(FenceError.NONE);
        d.runFor(Duration.ofMillis(1));
        assertThat(l.payload().freeCount()).isEqualTo(1);
        e.close();
        s.close();
    }
}
