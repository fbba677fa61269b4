package org.gpusched.capi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Calls into the driver's C functions: ordinary (not critical) downcalls, because the driver may
 * call back into the library from inside them. One method handle per distinct function pointer
 * and signature, created on first use and kept.
 *
 * <p>Thread-safe.
 */
final class Downcalls {

    /** {@code int (*)(gs_job *, void *job_data, void *sched_data, gs_fence **out)}: prepare_job, run_job. */
    static final FunctionDescriptor JOB_OUT = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
    /** {@code enum gs_timeout_status (*)(gs_job *, void *, void *)}: timedout_job. */
    static final FunctionDescriptor JOB_INT = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    /** {@code void (*)(gs_job *, void *, void *)}: cancel_job, free_job, gs_job_visit. */
    static final FunctionDescriptor JOB_VOID = FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS);
    /** {@code void (*)(gs_fence *, void *)}: gs_fence_cb. */
    static final FunctionDescriptor FENCE_CB = FunctionDescriptor.ofVoid(ADDRESS, ADDRESS);

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ConcurrentHashMap<Key, MethodHandle> HANDLES = new ConcurrentHashMap<>();

    private record Key(long address, FunctionDescriptor descriptor) {
    }

    private Downcalls() {
    }

    /** The method handle calling the C function at {@code address} with {@code descriptor}. */
    static MethodHandle handle(long address, FunctionDescriptor descriptor) {
        return HANDLES.computeIfAbsent(new Key(address, descriptor),
                k -> LINKER.downcallHandle(MemorySegment.ofAddress(k.address()), k.descriptor()));
    }

    /** Calls a driver fence callback {@code cb(fence, data)}; a failure is reported, not thrown. */
    static void fenceCallback(long cb, long fence, long data) {
        try {
            handle(cb, FENCE_CB).invokeExact(MemorySegment.ofAddress(fence), MemorySegment.ofAddress(data));
        } catch (Throwable t) {
            System.getLogger(Downcalls.class.getName()).log(System.Logger.Level.ERROR, "fence callback failed", t);
        }
    }
}
