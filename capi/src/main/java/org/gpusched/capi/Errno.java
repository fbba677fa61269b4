package org.gpusched.capi;

/**
 * The Linux errno values the C ABI returns (negated), and the mapping of Java failures to them.
 * Values are Linux's; the C library only runs on Linux.
 */
final class Errno {
    static final int ESRCH = 3;
    static final int EIO = 5;
    static final int EBADF = 9;
    static final int ENOMEM = 12;
    static final int EBUSY = 16;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int EDEADLK = 35;
    static final int ENOENT = 2;
    static final int EPERM = 1;
    static final int EALREADY = 114;
    static final int ETIMEDOUT = 110;
    static final int ECANCELED = 125;

    private Errno() {
    }

    /**
     * The error code for a Java failure that escaped an export: never let an exception or error
     * cross into C. Out of memory is {@code -ENOMEM}; everything else unexpected is {@code -EIO}.
     */
    static int of(Throwable t) {
        return t instanceof OutOfMemoryError ? -ENOMEM : -EIO;
    }
}
