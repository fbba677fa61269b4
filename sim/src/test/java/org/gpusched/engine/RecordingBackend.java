package org.gpusched.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.gpusched.exec.Clock;
import org.gpusched.fence.Fence;
import org.gpusched.sched.Backend;
import org.gpusched.sched.JobView;
import org.gpusched.sched.TimeoutVerdict;

/**
 * A backend that records every callback (method, job label, clock time, thread) before passing
 * it on to a delegate, and counts callbacks that overlap each other or nest on one thread.
 *
 * @param <P> the payload type
 */
final class RecordingBackend<P> implements Backend<P> {

    /** One callback as it was made. */
    record Call(String method, String job, long timeNanos, String thread) {
    }

    private final Backend<P> delegate;
    private final Clock clock;
    private final List<Call> calls = new ArrayList<>();
    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger overlaps = new AtomicInteger();
    private final ThreadLocal<Boolean> inCallback = ThreadLocal.withInitial(() -> false);
    private final AtomicInteger nested = new AtomicInteger();

    RecordingBackend(Backend<P> delegate, Clock clock) {
        this.delegate = delegate;
        this.clock = clock;
    }

    @Override
    public Fence prepare(JobView<P> job) {
        return record("prepare", job, () -> delegate.prepare(job));
    }

    @Override
    public Fence run(JobView<P> job) {
        return record("run", job, () -> delegate.run(job));
    }

    @Override
    public TimeoutVerdict timedOut(JobView<P> job) {
        return record("timedOut", job, () -> delegate.timedOut(job));
    }

    @Override
    public boolean cancel(JobView<P> job) {
        return record("cancel", job, () -> delegate.cancel(job));
    }

    @Override
    public void free(JobView<P> job) {
        record("free", job, () -> {
            delegate.free(job);
            return null;
        });
    }

    private <T> T record(String method, JobView<P> job, Supplier<T> call) {
        if (inCallback.get()) {
            nested.incrementAndGet();
        }
        if (inside.incrementAndGet() != 1) {
            overlaps.incrementAndGet();
        }
        inCallback.set(true);
        synchronized (calls) {
            calls.add(new Call(method, Harness.label(job), clock.nanoTime(), Thread.currentThread().getName()));
        }
        try {
            return call.get();
        } finally {
            inCallback.set(false);
            inside.decrementAndGet();
        }
    }

    /** Every call so far, in order. */
    List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    /** Calls of one method, in order. */
    List<Call> calls(String method) {
        return calls().stream().filter(c -> c.method().equals(method)).toList();
    }

    /** Labels of the jobs one method was called for, in call order. */
    List<String> jobs(String method) {
        return calls(method).stream().map(Call::job).toList();
    }

    /** Clock times of the calls of one method, in call order. */
    List<Long> times(String method) {
        return calls(method).stream().map(Call::timeNanos).toList();
    }

    int count(String method) {
        return calls(method).size();
    }

    /** Callbacks that started while another callback of this backend was running. */
    int overlaps() {
        return overlaps.get();
    }

    /** Callbacks that started on a thread already inside a callback of this backend. */
    int nested() {
        return nested.get();
    }
}
