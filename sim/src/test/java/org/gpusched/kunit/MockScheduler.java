package org.gpusched.kunit;

import java.time.Duration;
import org.gpusched.exec.Dispatcher;
import org.gpusched.sched.Scheduler;
import org.gpusched.sim.SimJob;
import org.gpusched.sim.SimRing;

/**
 * One mock scheduler: a {@link Scheduler} over its own {@link SimRing}, reached through a
 * {@link RecordingBackend} (the kernel's {@code drm_mock_scheduler}). Created by
 * {@link KunitHarness#newScheduler}.
 */
final class MockScheduler {

    /** The kernel mock's credit limit is U32_MAX; ours is an int, so its maximum stands for "unlimited". */
    static final int UNLIMITED_CREDITS = Integer.MAX_VALUE;

    final String name;
    final SimRing ring;
    final RecordingBackend backend;
    final Scheduler<SimJob> sched;

    MockScheduler(Dispatcher dispatcher, String name, Duration timeout, int creditLimit) {
        this.name = name;
        this.ring = new SimRing(name, dispatcher);
        this.backend = new RecordingBackend(name, ring, dispatcher.clock());
        this.sched = Scheduler.builder(backend)
                .name(name)
                .creditLimit(creditLimit)
                .timeout(timeout)
                .dispatcher(dispatcher)
                .build();
    }

    /**
     * The mock's {@code drm_mock_sched_advance}: moves the ring's completed seqno by {@code n}.
     *
     * @return how many jobs that completed
     */
    int advance(int n) {
        return ring.advance(n);
    }

    /**
     * The kernel's {@code drm_mock_sched_fini}: closes the scheduler, after which the backend
     * counts any callback as a violation. Idempotent.
     */
    void fini() {
        if (!sched.isClosed()) {
            sched.close();
        }
        backend.markClosed();
    }

    @Override
    public String toString() {
        return "MockScheduler[" + name + "]";
    }
}
