package org.gpusched.engine;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.gpusched.fence.Fence;
import org.gpusched.sched.Backend;
import org.gpusched.sched.JobView;
import org.gpusched.sched.TimeoutVerdict;
import org.gpusched.sim.SimJob;
import org.gpusched.sim.SimRing;

/**
 * A {@link SimRing} with fault injection per job: for the payloads registered in a set, the
 * matching callback throws (or {@code run} returns null, or {@code cancel} says it cannot
 * cancel). Every other call goes to the ring unchanged.
 */
final class FaultyRing implements Backend<SimJob> {
    final SimRing ring;
    final Set<SimJob> runThrows = ConcurrentHashMap.newKeySet();
    final Set<SimJob> runReturnsNull = ConcurrentHashMap.newKeySet();
    final Set<SimJob> prepareThrows = ConcurrentHashMap.newKeySet();
    final Set<SimJob> freeThrows = ConcurrentHashMap.newKeySet();
    final Set<SimJob> timedOutThrows = ConcurrentHashMap.newKeySet();
    final Set<SimJob> timedOutReturnsNull = ConcurrentHashMap.newKeySet();
    final Set<SimJob> cancelThrows = ConcurrentHashMap.newKeySet();
    final Set<SimJob> cannotCancel = ConcurrentHashMap.newKeySet();

    FaultyRing(SimRing ring) {
        this.ring = ring;
    }

    @Override
    public Fence prepare(JobView<SimJob> job) {
        if (prepareThrows.contains(job.payload())) {
            throw new IllegalStateException("injected prepare failure");
        }
        return null;
    }

    @Override
    public Fence run(JobView<SimJob> job) {
        if (runThrows.contains(job.payload())) {
            throw new IllegalStateException("injected run failure");
        }
        if (runReturnsNull.contains(job.payload())) {
            return null;
        }
        return ring.run(job);
    }

    @Override
    public TimeoutVerdict timedOut(JobView<SimJob> job) {
        if (timedOutThrows.contains(job.payload())) {
            throw new IllegalStateException("injected timedOut failure");
        }
        if (timedOutReturnsNull.contains(job.payload())) {
            return null;
        }
        return ring.timedOut(job);
    }

    @Override
    public boolean cancel(JobView<SimJob> job) {
        if (cancelThrows.contains(job.payload())) {
            throw new IllegalStateException("injected cancel failure");
        }
        if (cannotCancel.contains(job.payload())) {
            return false;
        }
        return ring.cancel(job);
    }

    @Override
    public void free(JobView<SimJob> job) {
        ring.free(job); // count first, so that a throwing free is still seen as called once
        if (freeThrows.contains(job.payload())) {
            throw new IllegalStateException("injected free failure");
        }
    }
}
