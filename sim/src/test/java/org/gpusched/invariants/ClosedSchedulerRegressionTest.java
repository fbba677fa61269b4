package org.gpusched.invariants;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;
import org.gpusched.sim.SimRing;
import org.junit.jupiter.api.Test;

/** Focused reproduction of what the random scenarios found about a scheduler after close(). */
class ClosedSchedulerRegressionTest {

    @Test
    void closedSchedulerReportsNoCreditsInFlight() {
        VirtualDispatcher d = new VirtualDispatcher();
        SimRing ring = new SimRing("ring", d);
        Scheduler<SimJob> s = Scheduler.builder(ring).name("s").creditLimit(4).dispatcher(d).build();
        Entity<SimJob> e = s.newEntity("e", Priority.NORMAL);
        SubmittedJob<SimJob> j = e.job(SimJob.manual()).credits(3).submit();
        d.runFor(Duration.ofMillis(1));
        assertThat(s.inFlightCredits()).isEqualTo(3);

        s.close(); // cancels the job on the hardware
        d.runUntilIdle(Duration.ofSeconds(1).toNanos());

        assertThat(j.finished().error()).isEqualTo(FenceError.CANCELED);
        assertThat(j.payload().freeCount()).isEqualTo(1);
        assertThat(s.inFlightCredits()).as("credits on the hardware of a closed scheduler").isZero();
    }
}
