package org.gpusched.fence;

/**
 * The outcome a fence signalled with: {@link #NONE} for success, otherwise a Linux errno
 * (negative, as in the kernel and in the C ABI) with a readable name.
 *
 * <p>The errors the scheduler itself produces are constants here; drivers may signal their
 * own fences with any errno through {@link #of(int)}. Instances are immutable; two errors are
 * equal when their errno is equal.
 */
public final class FenceError {

    /** Success: the fence signalled without an error. */
    public static final FenceError NONE = new FenceError(0, "OK", "no error");
    /** The job was killed before it reached the hardware (its entity was closed): {@code -ESRCH}. */
    public static final FenceError KILLED = new FenceError(-3, "ESRCH", "job killed before it ran");
    /** The backend failed: it threw, or returned garbage: {@code -EIO}. */
    public static final FenceError BACKEND_FAILED = new FenceError(-5, "EIO", "backend failed");
    /** The device is gone; nothing runs on it any more: {@code -ENODEV}. */
    public static final FenceError DEVICE_GONE = new FenceError(-19, "ENODEV", "device gone");
    /** The job hung and was reset by the timeout handler: {@code -ETIMEDOUT}. */
    public static final FenceError TIMED_OUT = new FenceError(-110, "ETIMEDOUT", "job timed out");
    /** The job was cancelled on the hardware (scheduler closed): {@code -ECANCELED}. */
    public static final FenceError CANCELED = new FenceError(-125, "ECANCELED", "job cancelled");

    private static final FenceError[] KNOWN = {NONE, KILLED, BACKEND_FAILED, DEVICE_GONE, TIMED_OUT, CANCELED};

    private final int errno;
    private final String name;
    private final String description;

    private FenceError(int errno, String name, String description) {
        this.errno = errno;
        this.name = name;
        this.description = description;
    }

    /**
     * Returns the error for a negative errno ({@code 0} gives {@link #NONE}).
     *
     * @throws IllegalArgumentException if {@code errno > 0} or below {@code -4095} (the kernel's
     *                                  MAX_ERRNO)
     */
    public static FenceError of(int errno) {
        if (errno > 0 || errno < -4095) {
            throw new IllegalArgumentException("errno must be 0 or a negative errno in [-4095, -1], got " + errno);
        }
        for (FenceError e : KNOWN) {
            if (e.errno == errno) {
                return e;
            }
        }
        String n = errnoName(-errno);
        return new FenceError(errno, n != null ? n : "E" + (-errno), "error " + errno);
    }

    /** Linux's names of the errnos a GPU driver commonly reports, for readable output. */
    private static String errnoName(int e) {
        return switch (e) {
            case 1 -> "EPERM";
            case 2 -> "ENOENT";
            case 4 -> "EINTR";
            case 6 -> "ENXIO";
            case 7 -> "E2BIG";
            case 9 -> "EBADF";
            case 11 -> "EAGAIN";
            case 12 -> "ENOMEM";
            case 13 -> "EACCES";
            case 14 -> "EFAULT";
            case 16 -> "EBUSY";
            case 17 -> "EEXIST";
            case 22 -> "EINVAL";
            case 28 -> "ENOSPC";
            case 32 -> "EPIPE";
            case 35 -> "EDEADLK";
            case 61 -> "ENODATA";
            case 62 -> "ETIME";
            case 71 -> "EPROTO";
            case 75 -> "EOVERFLOW";
            case 95 -> "EOPNOTSUPP";
            case 103 -> "ECONNABORTED";
            case 104 -> "ECONNRESET";
            case 114 -> "EALREADY";
            case 121 -> "EREMOTEIO";
            default -> null;
        };
    }

    /** The negative errno, or 0 for {@link #NONE}. */
    public int errno() {
        return errno;
    }

    /** The symbolic name, such as {@code ETIMEDOUT} ({@code OK} for {@link #NONE}). */
    public String name() {
        return name;
    }

    /** A short human description. */
    public String description() {
        return description;
    }

    /** True unless this is {@link #NONE}. */
    public boolean isError() {
        return errno != 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FenceError e && e.errno == errno;
    }

    @Override
    public int hashCode() {
        return errno;
    }

    @Override
    public String toString() {
        return errno == 0 ? "OK" : name + "(" + errno + ")";
    }
}
