package org.gpusched.fence;

import java.util.concurrent.atomic.AtomicLong;
import org.gpusched.exec.Clock;

/** A clock the test sets by hand, so that fence timestamps are exact values. */
final class FakeClock implements Clock {

    private final AtomicLong now;

    FakeClock(long start) {
        now = new AtomicLong(start);
    }

    @Override
    public long nanoTime() {
        return now.get();
    }

    void set(long nanos) {
        now.set(nanos);
    }

    void advance(long nanos) {
        now.addAndGet(nanos);
    }
}
