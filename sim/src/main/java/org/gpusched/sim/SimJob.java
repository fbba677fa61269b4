package org.gpusched.sim;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;

/**
 * The payload of a job on a {@link SimRing}: how the simulated hardware treats it, and what
 * happened to it (the kernel mock's {@code drm_mock_sched_job}).
 *
 * <p>Configure it before submitting (the {@code with...} methods return this); afterwards the
 * ring records its progress. Each job needs its own {@code SimJob}. The outcome fields are
 * thread-safe to read.
 */
public final class SimJob {

    /** Completed by the simulated hardware (timer or {@link SimRing#advance}). */
    public static final int DONE = 0x1;
    /** The ring's timeout handler reset it ({@link FenceError#TIMED_OUT}). */
    public static final int TIMEDOUT = 0x2;
    /** The timeout handler was asked and answered NO_HANG. */
    public static final int RESET_SKIPPED = 0x8;
    /** Cancelled by {@link SimRing#cancel}. */
    public static final int CANCELED = 0x10;

    private final long durationNanos;
    private long releaseAtNanos = -1;
    private Object tag;
    private boolean dontReset;
    private boolean hang;
    private FenceError failWith = FenceError.NONE;

    private final AtomicInteger flags = new AtomicInteger();
    final AtomicInteger runs = new AtomicInteger();
    final AtomicInteger frees = new AtomicInteger();
    final AtomicInteger cancels = new AtomicInteger();
    final AtomicInteger timeouts = new AtomicInteger();
    volatile Fence hwFence;
    volatile long hwStart = -1;
    volatile long hwEnd = -1;

    private SimJob(long durationNanos) {
        if (durationNanos < 0) {
            throw new IllegalArgumentException("duration must not be negative: " + durationNanos);
        }
        this.durationNanos = durationNanos;
    }

    /** A job that completes only through {@link SimRing#advance} ("manual" mode, duration 0). */
    public static SimJob manual() {
        return new SimJob(0);
    }

    /** A job that takes {@code d} of GPU time. */
    public static SimJob of(Duration d) {
        return new SimJob(d.toNanos());
    }

    /** A job that takes {@code micros} microseconds of GPU time. */
    public static SimJob ofMicros(long micros) {
        return new SimJob(micros * 1000);
    }

    /**
     * A job that occupies the ring until clock time {@code nanos} (or finishes as soon as it
     * starts, if that time has passed): the kernel's overhead tests block the ring with a manual
     * job and release it at a chosen time.
     */
    public static SimJob until(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("release time must not be negative: " + nanos);
        }
        SimJob j = new SimJob(0);
        j.releaseAtNanos = nanos;
        return j;
    }

    /** Attaches an object of the caller's (for example its own record of the job). */
    public SimJob tag(Object t) {
        this.tag = t;
        return this;
    }

    /** The object attached with {@link #tag(Object)}, or null. */
    public Object tag() {
        return tag;
    }

    long releaseAtNanos() {
        return releaseAtNanos;
    }

    /** The timeout handler answers NO_HANG for this job (the mock's DONT_RESET). */
    public SimJob dontReset() {
        this.dontReset = true;
        return this;
    }

    /** The job never completes by itself (only {@link SimRing#advance}, timeout or cancel end it). */
    public SimJob hang() {
        this.hang = true;
        return this;
    }

    /** The job completes at its time, but its hardware fence signals with {@code error}. */
    public SimJob failWith(FenceError error) {
        this.failWith = error;
        return this;
    }

    /** GPU time of the job in nanoseconds (0 = manual). */
    public long durationNanos() {
        return durationNanos;
    }

    boolean isDontReset() {
        return dontReset;
    }

    boolean isHang() {
        return hang;
    }

    FenceError failure() {
        return failWith;
    }

    /** True if the given flag is set. */
    public boolean has(int flag) {
        return (flags.get() & flag) != 0;
    }

    void set(int flag) {
        flags.getAndUpdate(f -> f | flag);
    }

    /**
     * For a backend other than {@link SimRing} that ran this job on real hardware (the lab's
     * ring factory): records when it started and ended there (clock time of the lab's
     * dispatcher) and marks it {@link #DONE}. Call it before the job's hardware fence signals.
     */
    public void recordHardware(long startNanos, long endNanos) {
        hwStart = startNanos;
        hwEnd = endNanos;
        set(DONE);
    }

    /** True once the simulated hardware completed the job (the mock's DONE). */
    public boolean isDone() {
        return has(DONE);
    }

    /** How many times {@code run} was called for it. */
    public int runCount() {
        return runs.get();
    }

    /** How many times {@code free} was called for it. */
    public int freeCount() {
        return frees.get();
    }

    /** How many times {@code cancel} was called for it. */
    public int cancelCount() {
        return cancels.get();
    }

    /** How many times the timeout handler was asked about it. */
    public int timeoutCount() {
        return timeouts.get();
    }

    /** The hardware fence the ring returned, or null before it ran. */
    public Fence hardwareFence() {
        return hwFence;
    }

    /** Clock time the job started executing on the ring, or -1. */
    public long hwStartNanos() {
        return hwStart;
    }

    /** Clock time the ring finished it (any outcome), or -1. */
    public long hwEndNanos() {
        return hwEnd;
    }

    @Override
    public String toString() {
        return "SimJob[" + (durationNanos == 0 ? "manual" : durationNanos + "ns") + (hang ? " hang" : "")
                + (dontReset ? " dont-reset" : "") + (failWith.isError() ? " fail=" + failWith : "")
                + " flags=" + flags.get() + "]";
    }
}
