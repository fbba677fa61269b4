package org.gpusched.fence;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.gpusched.exec.Clock;

/**
 * A fence context: a named, totally ordered sequence of fences (the {@code dma_fence} context
 * model). Each timeline has a process-unique {@link #context() context id} (starting at 1)
 * and hands out fences with increasing sequence numbers (starting at 1).
 *
 * <p>The emitter promises that the fences of one timeline signal in seqno order; consumers rely
 * on it (for example, a dependency on seqno 7 makes a dependency on seqno 5 of the same
 * timeline redundant). The scheduler keeps this promise for its own timelines, also when jobs
 * are killed or cancelled; for driver timelines it is the driver's promise.
 *
 * <p>A timeline holds only its name, its id, its clock and a counter: a fence that outlives
 * whatever emitted it still reads its timeline's name. Thread-safe.
 */
public final class Timeline {

    private static final AtomicLong CONTEXTS = new AtomicLong();

    private final String name;
    private final long context;
    private final Clock clock;
    private final AtomicLong lastSeqno = new AtomicLong();

    private Timeline(String name, Clock clock) {
        this.name = name;
        this.clock = clock;
        this.context = CONTEXTS.incrementAndGet();
    }

    /** Creates a timeline whose fences take their timestamps from the system clock. */
    public static Timeline create(String name) {
        return create(name, Clock.SYSTEM);
    }

    /**
     * Creates a timeline whose fences take their timestamps from {@code clock} (use the
     * dispatcher's clock so that virtual-time runs get virtual timestamps).
     */
    public static Timeline create(String name, Clock clock) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(clock, "clock");
        return new Timeline(name, clock);
    }

    /** The timeline's name, as given at creation. */
    public String name() {
        return name;
    }

    /** The process-unique context id (at least 1). */
    public long context() {
        return context;
    }

    /** The clock that stamps this timeline's fences. */
    public Clock clock() {
        return clock;
    }

    /** The seqno of the most recently created fence, 0 if none. */
    public long lastSeqno() {
        return lastSeqno.get();
    }

    /** Creates the next fence of this timeline; the caller holds its only signalling right. */
    public FenceSource newFence() {
        return new FenceSource(new Fence(this, lastSeqno.incrementAndGet(), null));
    }

    /**
     * Creates the next fence of this timeline, recording its {@link FenceOrigin} (used by the
     * scheduler for its finished fences).
     */
    public FenceSource newFence(FenceOrigin origin) {
        Objects.requireNonNull(origin, "origin");
        return new FenceSource(new Fence(this, lastSeqno.incrementAndGet(), origin));
    }

    @Override
    public String toString() {
        return "Timeline[" + name + " ctx=" + context + "]";
    }
}
