package org.gpusched.sim.soak;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.gpusched.sched.Entity;

/** What the checker knows of one entity; thread-safe. */
final class EntityTrack {
    final String name;
    final ConcurrentHashMap<Long, SoakJob> bySeqno = new ConcurrentHashMap<>();
    /** Highest seqno handed to a backend's run so far. */
    final AtomicLong lastRun = new AtomicLong();
    /** Finished-fence callbacks that ran. */
    final AtomicLong finishedCallbacks = new AtomicLong();
    volatile boolean closeRequested;
    volatile Entity<SoakJob> entity;

    EntityTrack(String name) {
        this.name = name;
    }

    @Override
    public String toString() {
        return "entity " + name;
    }
}
