package org.gpusched.capi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.gpusched.capi.Errno.EALREADY;
import static org.gpusched.capi.Errno.EBADF;
import static org.gpusched.capi.Errno.EBUSY;
import static org.gpusched.capi.Errno.EDEADLK;
import static org.gpusched.capi.Errno.EINVAL;
import static org.gpusched.capi.Errno.ENODEV;
import static org.gpusched.capi.Errno.ENOENT;
import static org.gpusched.capi.Errno.EPERM;
import static org.gpusched.capi.Errno.ETIMEDOUT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.gpusched.exec.NonBlocking;
import org.gpusched.exec.RealtimeDispatcher;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Policy;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SchedulerClosedException;
import org.gpusched.sched.SubmittedJob;

/**
 * The functions of the C ABI ({@code gpusched.h}), one static method each, marked with
 * {@link Export}. Each is the target of an upcall stub, so none may throw: every body catches
 * {@link Throwable} and returns an error code (or NULL, 0, or nothing, per its C type).
 *
 * <p>All functions are thread-safe; handles are checked through {@link Handles} before use.
 */
final class GsApi {

    static final Handles HANDLES = new Handles();

    private static final AtomicLong ENTITY_IDS = new AtomicLong();
    private static final VarHandle OPS_SIZE = field(CDefs.SCHED_OPS, "size");
    private static final VarHandle OPS_PREPARE = field(CDefs.SCHED_OPS, "prepare_job");
    private static final VarHandle OPS_RUN = field(CDefs.SCHED_OPS, "run_job");
    private static final VarHandle OPS_TIMEDOUT = field(CDefs.SCHED_OPS, "timedout_job");
    private static final VarHandle OPS_CANCEL = field(CDefs.SCHED_OPS, "cancel_job");
    private static final VarHandle OPS_FREE = field(CDefs.SCHED_OPS, "free_job");
    private static final VarHandle ARGS_SIZE = field(CDefs.SCHED_ARGS, "size");
    private static final VarHandle ARGS_NAME = field(CDefs.SCHED_ARGS, "name");
    private static final VarHandle ARGS_CREDITS = field(CDefs.SCHED_ARGS, "credit_limit");
    private static final VarHandle ARGS_TIMEOUT = field(CDefs.SCHED_ARGS, "timeout_ns");
    private static final VarHandle ARGS_POLICY = field(CDefs.SCHED_ARGS, "policy");
    private static final VarHandle ARGS_DATA = field(CDefs.SCHED_ARGS, "sched_data");

    private GsApi() {
    }

    private static VarHandle field(CDefs.Struct s, String name) {
        return s.layout().varHandle(PathElement.groupElement(name));
    }

    // ================================================================== timelines and fences

    @Export(id = 1, c = "int gs_timeline_create(const char *name, gs_timeline **out)",
            doc = "Creates a fence timeline (a context: ordered seqnos, a name). The name is copied. On success *out\n"
                    + "holds one reference; drop it with gs_timeline_put. -EINVAL if name or out is NULL.")
    static int gs_timeline_create(MemorySegment name, MemorySegment out) {
        try {
            if (isNull(name) || isNull(out)) {
                return -EINVAL;
            }
            setOut(out, HANDLES.add(Handles.TIMELINE, Timeline.create(cString(name))));
            return 0;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 2, c = "void gs_timeline_put(gs_timeline *tl)",
            doc = "Drops the reference from gs_timeline_create. Fences of the timeline stay valid. Bad handles are\n"
                    + "ignored.")
    static void gs_timeline_put(MemorySegment tl) {
        try {
            HANDLES.release(tl.address(), Handles.TIMELINE);
        } catch (Throwable ignored) {
            // nothing to report through a void function
        }
    }

    @Export(id = 3, c = "int gs_fence_create(gs_timeline *tl, gs_fence **out)",
            doc = "Creates a driver fence: the timeline's next seqno, one reference, signallable with\n"
                    + "gs_fence_signal. -EBADF for a bad timeline, -EINVAL if out is NULL.")
    static int gs_fence_create(MemorySegment tl, MemorySegment out) {
        try {
            if (isNull(out)) {
                return -EINVAL;
            }
            if (!(HANDLES.get(tl.address(), Handles.TIMELINE) instanceof Timeline timeline)) {
                return -EBADF;
            }
            FenceSource src = timeline.newFence();
            setOut(out, HANDLES.add(Handles.FENCE, new FenceRef(src.fence(), src)));
            return 0;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 4, c = "int gs_fence_signal(gs_fence *f, int error)",
            doc = "Signals a driver fence, with error 0 or a negative errno (set before the fence is seen signalled).\n"
                    + "Callbacks run on the calling thread. -EALREADY if it had signalled, -EPERM for a scheduler\n"
                    + "fence (only the emitter signals), -EINVAL for an error outside [-4095, 0], -EBADF.")
    static int gs_fence_signal(MemorySegment f, int error) {
        try {
            if (!(HANDLES.get(f.address(), Handles.FENCE) instanceof FenceRef ref)) {
                return -EBADF;
            }
            if (ref.source == null) {
                return -EPERM;
            }
            if (error > 0 || error < -4095) {
                return -EINVAL;
            }
            return ref.source.signal(FenceError.of(error)) ? 0 : -EALREADY;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 5, c = "gs_fence *gs_fence_get(gs_fence *f)",
            doc = "Adds a reference and returns f itself; NULL if f is a bad handle.")
    static MemorySegment gs_fence_get(MemorySegment f) {
        try {
            return HANDLES.retain(f.address(), Handles.FENCE) ? f : MemorySegment.NULL;
        } catch (Throwable t) {
            return MemorySegment.NULL;
        }
    }

    @Export(id = 6, c = "void gs_fence_put(gs_fence *f)",
            doc = "Drops a reference. At zero the handle is stale (the fence itself lives on where the library\n"
                    + "uses it). Bad handles are ignored.")
    static void gs_fence_put(MemorySegment f) {
        try {
            HANDLES.release(f.address(), Handles.FENCE);
        } catch (Throwable ignored) {
            // nothing to report through a void function
        }
    }

    @Export(id = 7, c = "int gs_fence_is_signaled(gs_fence *f)", doc = "1 if signalled, 0 if not, -EBADF.")
    static int gs_fence_is_signaled(MemorySegment f) {
        try {
            FenceRef ref = fence(f);
            return ref == null ? -EBADF : ref.fence.isSignaled() ? 1 : 0;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 8, c = "int gs_fence_get_error(gs_fence *f)",
            doc = "The error the fence signalled with (a negative errno), 0 if none or not signalled, -EBADF.")
    static int gs_fence_get_error(MemorySegment f) {
        try {
            FenceRef ref = fence(f);
            return ref == null ? -EBADF : ref.fence.error().errno();
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 9, c = "int gs_fence_wait(gs_fence *f, int64_t timeout_ns)",
            doc = "Blocks until the fence signals: 0, or -ETIMEDOUT after timeout_ns (< 0: no limit). -EDEADLK\n"
                    + "inside any gpusched callback, -EBADF.")
    static int gs_fence_wait(MemorySegment f, long timeoutNs) {
        try {
            FenceRef ref = fence(f);
            if (ref == null) {
                return -EBADF;
            }
            if (ref.fence.isSignaled()) {
                return 0;
            }
            if (NonBlocking.active()) {
                return -EDEADLK;
            }
            return ref.fence.awaitNanos(timeoutNs < 0 ? -1 : timeoutNs) ? 0 : -ETIMEDOUT;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -Errno.EIO;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 10, c = "int gs_fence_add_callback(gs_fence *f, gs_fence_cb cb, void *data)",
            doc = "Runs cb(f, data) once when the fence signals, on the signalling thread; it must not block.\n"
                    + "-ENOENT if the fence has already signalled (cb is not called), -EINVAL if cb is NULL, -EBADF.")
    static int gs_fence_add_callback(MemorySegment f, MemorySegment cb, MemorySegment data) {
        try {
            FenceRef ref = fence(f);
            if (ref == null) {
                return -EBADF;
            }
            if (isNull(cb)) {
                return -EINVAL;
            }
            FenceRef.CCallback node = new FenceRef.CCallback(ref, f.address(), cb.address(), data.address());
            synchronized (ref) {
                ref.callbacks.add(node);
            }
            if (!ref.fence.addCallback(node)) {
                synchronized (ref) {
                    ref.callbacks.remove(node);
                }
                return -ENOENT;
            }
            return 0;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 11, c = "int gs_fence_remove_callback(gs_fence *f, gs_fence_cb cb, void *data)",
            doc = "Removes a callback added through this handle with the same cb and data: 0 if removed before it\n"
                    + "ran, -ENOENT if it already ran (or is running) or was not found, -EBADF.")
    static int gs_fence_remove_callback(MemorySegment f, MemorySegment cb, MemorySegment data) {
        try {
            FenceRef ref = fence(f);
            if (ref == null) {
                return -EBADF;
            }
            FenceRef.CCallback found = null;
            synchronized (ref) {
                for (FenceRef.CCallback c : ref.callbacks) {
                    if (c.cb == cb.address() && c.data == data.address() && c.handle == f.address()) {
                        found = c;
                        break;
                    }
                }
                if (found != null) {
                    ref.callbacks.remove(found);
                }
            }
            return found != null && ref.fence.removeCallback(found) ? 0 : -ENOENT;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 12, c = "int64_t gs_fence_timestamp_ns(gs_fence *f)",
            doc = "CLOCK_MONOTONIC time of the signal in nanoseconds; -EBUSY if not signalled, -EBADF.")
    static long gs_fence_timestamp_ns(MemorySegment f) {
        try {
            FenceRef ref = fence(f);
            if (ref == null) {
                return -EBADF;
            }
            return ref.fence.isSignaled() ? ref.fence.timestampNanos() : -EBUSY;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 13, c = "int gs_fence_set_deadline(gs_fence *f, int64_t deadline_ns)",
            doc = "Asks the emitter to signal by deadline_ns (CLOCK_MONOTONIC): a hint; the earliest is kept and,\n"
                    + "for a job's finished fence, passed on to its hardware fence. 0 or -EBADF.")
    static int gs_fence_set_deadline(MemorySegment f, long deadlineNs) {
        try {
            FenceRef ref = fence(f);
            if (ref == null) {
                return -EBADF;
            }
            ref.fence.setDeadline(deadlineNs);
            return 0;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 14, c = "int gs_fence_timeline_name(gs_fence *f, char *buf, size_t len)",
            doc = "Copies the timeline's name (UTF-8) into buf, truncated to len - 1 bytes and NUL-terminated;\n"
                    + "returns the full length (so a larger buf can be retried). buf may be NULL when len is 0.\n"
                    + "Valid for as long as the handle, also after the scheduler is gone. -EINVAL, -EBADF.")
    static int gs_fence_timeline_name(MemorySegment f, MemorySegment buf, long len) {
        try {
            FenceRef ref = fence(f);
            if (ref == null) {
                return -EBADF;
            }
            if (len < 0 || (len > 0 && isNull(buf))) {
                return -EINVAL;
            }
            byte[] name = ref.fence.timelineName().getBytes(StandardCharsets.UTF_8);
            if (len > 0) {
                MemorySegment b = buf.reinterpret(len);
                int n = (int) Math.min(name.length, len - 1);
                MemorySegment.copy(name, 0, b, JAVA_BYTE, 0, n);
                b.set(JAVA_BYTE, n, (byte) 0);
            }
            return name.length;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 15, c = "uint64_t gs_fence_context(gs_fence *f)",
            doc = "The fence's context (timeline) id; 0 for a bad handle (contexts start at 1).")
    static long gs_fence_context(MemorySegment f) {
        try {
            FenceRef ref = fence(f);
            return ref == null ? 0 : ref.fence.context();
        } catch (Throwable t) {
            return 0;
        }
    }

    @Export(id = 16, c = "uint64_t gs_fence_seqno(gs_fence *f)",
            doc = "The fence's sequence number within its context; 0 for a bad handle (seqnos start at 1).")
    static long gs_fence_seqno(MemorySegment f) {
        try {
            FenceRef ref = fence(f);
            return ref == null ? 0 : ref.fence.seqno();
        } catch (Throwable t) {
            return 0;
        }
    }

    // ================================================================== schedulers

    @Export(id = 17, c = "int gs_sched_create(const struct gs_sched_args *args, const struct gs_sched_ops *ops,"
            + " gs_sched **out)",
            doc = "Creates a scheduler (one hardware ring or firmware queue). args->size and ops->size must be the\n"
                    + "sizeof of this header's structs; run_job is required, and timedout_job too when timeout_ns >= 0.\n"
                    + "-EINVAL for NULL pointers, wrong sizes, credit_limit 0, an unknown policy or a missing callback.")
    static int gs_sched_create(MemorySegment args, MemorySegment ops, MemorySegment out) {
        try {
            if (isNull(args) || isNull(ops) || isNull(out)) {
                return -EINVAL;
            }
            MemorySegment a = args.reinterpret(CDefs.SCHED_ARGS.layout().byteSize());
            MemorySegment o = ops.reinterpret(CDefs.SCHED_OPS.layout().byteSize());
            if ((long) ARGS_SIZE.get(a, 0L) != a.byteSize() || (long) OPS_SIZE.get(o, 0L) != o.byteSize()) {
                return -EINVAL;
            }
            MemorySegment namePtr = (MemorySegment) ARGS_NAME.get(a, 0L);
            long credits = Integer.toUnsignedLong((int) ARGS_CREDITS.get(a, 0L));
            long timeout = (long) ARGS_TIMEOUT.get(a, 0L);
            int policy = (int) ARGS_POLICY.get(a, 0L);
            long run = ((MemorySegment) OPS_RUN.get(o, 0L)).address();
            long timedOut = ((MemorySegment) OPS_TIMEDOUT.get(o, 0L)).address();
            if (isNull(namePtr) || credits == 0 || policy < 0 || policy >= Policy.values().length || run == 0
                    || (timeout >= 0 && timedOut == 0)) {
                return -EINVAL;
            }
            String name = cString(namePtr);
            Arena arena = Arena.ofShared();
            CBackend backend = new CBackend(HANDLES, name, ((MemorySegment) OPS_PREPARE.get(o, 0L)).address(), run,
                    timedOut, ((MemorySegment) OPS_CANCEL.get(o, 0L)).address(),
                    ((MemorySegment) OPS_FREE.get(o, 0L)).address(), ((MemorySegment) ARGS_DATA.get(a, 0L)).address(),
                    arena);
            Scheduler<CJob> s = Scheduler.builder(backend).name(name).creditLimit((int) Math.min(credits, Integer.MAX_VALUE))
                    .timeout(timeout < 0 ? null : Duration.ofNanos(timeout)).policy(Policy.values()[policy])
                    .dispatcher(RealtimeDispatcher.shared()).build();
            setOut(out, HANDLES.add(Handles.SCHED, new CSched(s, backend, arena)));
            return 0;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 18, c = "void gs_sched_destroy(gs_sched *s)",
            doc = "Tears the scheduler down: queued jobs of its entities end with -ESRCH, cancel_job runs for each job\n"
                    + "on the hardware (newest first) and the library waits for its hardware fence (up to 5 s; without\n"
                    + "cancel_job they end with -ECANCELED at once), then free_job runs for every job. No callback runs\n"
                    + "after it returns; fences stay valid. Entities left on it answer -ENODEV and still need\n"
                    + "gs_entity_destroy. Does nothing inside a callback (it would deadlock) or for a bad handle.")
    static void gs_sched_destroy(MemorySegment s) {
        try {
            if (NonBlocking.active() || !(HANDLES.get(s.address(), Handles.SCHED) instanceof CSched cs)) {
                return;
            }
            cs.scheduler().close();
            if (HANDLES.remove(s.address(), Handles.SCHED) != null) {
                cs.arena().close();
            }
        } catch (Throwable ignored) {
            // nothing to report through a void function
        }
    }

    @Export(id = 19, c = "int gs_sched_fault(gs_sched *s)",
            doc = "Runs the timeout handler for the oldest job on the hardware now (once). 0 or -EBADF.")
    static int gs_sched_fault(MemorySegment s) {
        try {
            CSched cs = sched(s);
            if (cs == null) {
                return -EBADF;
            }
            cs.scheduler().fault();
            return 0;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 20, c = "int gs_sched_stop(gs_sched *s)",
            doc = "Recovery: stops running jobs and processing hardware completions until gs_sched_start. From a\n"
                    + "callback it takes effect at once; elsewhere it waits for a running callback to return. 0, -EBADF.")
    static int gs_sched_stop(MemorySegment s) {
        try {
            CSched cs = sched(s);
            if (cs == null) {
                return -EBADF;
            }
            cs.scheduler().stop();
            return 0;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 21, c = "int gs_sched_start(gs_sched *s, int error)",
            doc = "Resumes after gs_sched_stop. Pending jobs whose hardware fence signalled complete with its error;\n"
                    + "the others end with error, or with error 0 stay on the hardware and are watched again.\n"
                    + "-EINVAL for an error outside [-4095, 0], -EBADF.")
    static int gs_sched_start(MemorySegment s, int error) {
        try {
            CSched cs = sched(s);
            if (cs == null) {
                return -EBADF;
            }
            if (error > 0 || error < -4095) {
                return -EINVAL;
            }
            cs.scheduler().start(FenceError.of(error));
            return 0;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 22, c = "int gs_sched_for_each_pending(gs_sched *s, gs_job_visit visit, void *data)",
            doc = "Calls visit(job, job_data, data) for each job on the hardware, oldest first. Only while stopped:\n"
                    + "-EBUSY otherwise. -EINVAL if visit is NULL, -EBADF.")
    static int gs_sched_for_each_pending(MemorySegment s, MemorySegment visit, MemorySegment data) {
        try {
            CSched cs = sched(s);
            if (cs == null) {
                return -EBADF;
            }
            if (isNull(visit)) {
                return -EINVAL;
            }
            MethodHandle mh = Downcalls.handle(visit.address(), Downcalls.JOB_VOID);
            try {
                cs.scheduler().forEachPending(j -> CBackend.visit(mh, j.payload(), data));
            } catch (IllegalStateException notStopped) {
                return -EBUSY;
            }
            return 0;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 23, c = "int64_t gs_sched_suspend_timeout(gs_sched *s)",
            doc = "Pauses the timeout (a firmware queue that is not resident must not age) and returns the time the\n"
                    + "watched job had left in ns (the full timeout if none; INT64_MAX without a timeout). -EBADF.")
    static long gs_sched_suspend_timeout(MemorySegment s) {
        try {
            CSched cs = sched(s);
            return cs == null ? -EBADF : cs.scheduler().suspendTimeout();
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 24, c = "int gs_sched_resume_timeout(gs_sched *s, int64_t remaining_ns)",
            doc = "Resumes a suspended timeout: the watched job gets remaining_ns more. -EINVAL if negative, -EBADF.")
    static int gs_sched_resume_timeout(MemorySegment s, long remainingNs) {
        try {
            CSched cs = sched(s);
            if (cs == null) {
                return -EBADF;
            }
            if (remainingNs < 0) {
                return -EINVAL;
            }
            cs.scheduler().resumeTimeout(remainingNs);
            return 0;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    // ================================================================== entities

    @Export(id = 25, c = "int gs_entity_create(gs_sched *const *scheds, uint32_t n, enum gs_priority prio,"
            + " gs_entity **out)",
            doc = "Creates an entity (a client's in-order job queue) on one scheduler, or load-balanced over n of\n"
                    + "them (it moves to the least loaded only when idle). The array is copied. -EINVAL for NULL, n 0 or\n"
                    + "a bad priority, -EBADF for a bad scheduler handle, -ENODEV if all are destroyed.")
    static int gs_entity_create(MemorySegment scheds, int n, int prio, MemorySegment out) {
        try {
            if (isNull(out) || prio < 0 || prio >= Priority.values().length) {
                return -EINVAL;
            }
            List<Scheduler<CJob>> list = new ArrayList<>();
            int r = schedulerList(scheds, n, list);
            if (r != 0) {
                return r;
            }
            Entity<CJob> e = Entity.create("entity-" + ENTITY_IDS.incrementAndGet(), Priority.ofValue(prio), list);
            setOut(out, HANDLES.add(Handles.ENTITY, e));
            return 0;
        } catch (SchedulerClosedException e) {
            return -ENODEV;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 26, c = "int gs_entity_set_priority(gs_entity *e, enum gs_priority prio)",
            doc = "Changes the priority; it takes effect at the scheduler's next look. -EINVAL, -EBADF.")
    static int gs_entity_set_priority(MemorySegment e, int prio) {
        try {
            Entity<CJob> en = entity(e);
            if (en == null) {
                return -EBADF;
            }
            if (prio < 0 || prio >= Priority.values().length) {
                return -EINVAL;
            }
            en.setPriority(Priority.ofValue(prio));
            return 0;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 27, c = "int gs_entity_set_schedulers(gs_entity *e, gs_sched *const *scheds, uint32_t n)",
            doc = "Replaces the schedulers the entity may use (copied); it moves at the next submission that finds it\n"
                    + "idle. -EINVAL for NULL or n 0, -EBADF for a bad handle.")
    static int gs_entity_set_schedulers(MemorySegment e, MemorySegment scheds, int n) {
        try {
            Entity<CJob> en = entity(e);
            if (en == null) {
                return -EBADF;
            }
            List<Scheduler<CJob>> list = new ArrayList<>();
            int r = schedulerList(scheds, n, list);
            if (r != 0) {
                return r;
            }
            en.setSchedulers(list);
            return 0;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 28, c = "int gs_entity_error(gs_entity *e)",
            doc = "The error of the entity's most recently finished job, 0 if none; -EBADF.")
    static int gs_entity_error(MemorySegment e) {
        try {
            Entity<CJob> en = entity(e);
            return en == null ? -EBADF : en.error().errno();
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 29, c = "int gs_entity_destroy(gs_entity *e, int64_t flush_timeout_ns)",
            doc = "Waits up to flush_timeout_ns (0: not at all; < 0: without bound) for queued jobs to reach the\n"
                    + "hardware, kills the rest (-ESRCH, in submission order, each after its predecessor) and makes the\n"
                    + "handle stale. Jobs on the hardware finish normally. Returns the number of jobs killed, -EDEADLK\n"
                    + "inside a callback, -EBADF.")
    static int gs_entity_destroy(MemorySegment e, long flushTimeoutNs) {
        try {
            Entity<CJob> en = entity(e);
            if (en == null) {
                return -EBADF;
            }
            if (NonBlocking.active()) {
                return -EDEADLK;
            }
            int killed = en.close(Duration.ofNanos(flushTimeoutNs));
            HANDLES.remove(e.address(), Handles.ENTITY);
            return killed;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    // ================================================================== jobs

    @Export(id = 30, c = "int gs_job_create(gs_entity *e, uint32_t credits, void *job_data, gs_job **out)",
            doc = "Starts a job on entity e with credits > 0 (clamped to the scheduler's limit when it runs) and the\n"
                    + "driver's job_data. The handle is valid until free_job returns or gs_job_abort. -EINVAL, -EBADF.")
    static int gs_job_create(MemorySegment e, int credits, MemorySegment jobData, MemorySegment out) {
        try {
            Entity<CJob> en = entity(e);
            if (en == null) {
                return -EBADF;
            }
            if (isNull(out) || credits == 0) {
                return -EINVAL;
            }
            CJob j = new CJob(jobData.address());
            j.builder = en.job(j).credits((int) Math.min(Integer.toUnsignedLong(credits), Integer.MAX_VALUE));
            j.handle = HANDLES.add(Handles.JOB, j);
            setOut(out, j.handle);
            return 0;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 31, c = "int gs_job_add_dependency(gs_job *j, gs_fence *f)",
            doc = "Makes the job wait for f before it runs (of several fences on one timeline the latest is kept).\n"
                    + "The job takes its own reference: the caller keeps its own. -EINVAL after submit, -EBADF.")
    static int gs_job_add_dependency(MemorySegment j, MemorySegment f) {
        try {
            CJob job = job(j);
            FenceRef ref = fence(f);
            if (job == null || ref == null) {
                return -EBADF;
            }
            synchronized (job) {
                if (job.submitted != null || job.aborted) {
                    return -EINVAL;
                }
                job.builder.dependsOn(ref.fence);
            }
            return 0;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 32, c = "int gs_job_submit(gs_job *j, gs_fence **scheduled_out, gs_fence **finished_out)",
            doc = "Submits the job (seqno, fences and queueing in one step). The optional outs receive new\n"
                    + "references to its scheduled and finished fences. -EINVAL if already submitted, -ENODEV if its\n"
                    + "entity or every scheduler of it is destroyed (then gs_job_abort it), -EBADF.")
    static int gs_job_submit(MemorySegment j, MemorySegment scheduledOut, MemorySegment finishedOut) {
        try {
            CJob job = job(j);
            if (job == null) {
                return -EBADF;
            }
            SubmittedJob<CJob> s;
            synchronized (job) {
                if (job.submitted != null || job.aborted) {
                    return -EINVAL;
                }
                try {
                    s = job.builder.submit();
                } catch (IllegalStateException closed) {
                    return -ENODEV; // the entity was destroyed, or all its schedulers
                }
                job.submitted = s;
            }
            if (!isNull(scheduledOut)) {
                setOut(scheduledOut, HANDLES.add(Handles.FENCE, new FenceRef(s.scheduled(), null)));
            }
            if (!isNull(finishedOut)) {
                setOut(finishedOut, HANDLES.add(Handles.FENCE, new FenceRef(s.finished(), null)));
            }
            return 0;
        } catch (Throwable t) {
            return Errno.of(t);
        }
    }

    @Export(id = 33, c = "gs_fence *gs_job_finished_fence(gs_job *j)",
            doc = "A new reference to the job's finished fence; NULL before submit or for a bad handle.")
    static MemorySegment gs_job_finished_fence(MemorySegment j) {
        try {
            CJob job = job(j);
            SubmittedJob<CJob> s;
            if (job == null) {
                return MemorySegment.NULL;
            }
            synchronized (job) {
                s = job.submitted;
            }
            return s == null ? MemorySegment.NULL
                    : MemorySegment.ofAddress(HANDLES.add(Handles.FENCE, new FenceRef(s.finished(), null)));
        } catch (Throwable t) {
            return MemorySegment.NULL;
        }
    }

    @Export(id = 34, c = "void gs_job_abort(gs_job *j)",
            doc = "Drops a job that was not submitted; free_job is not called. Ignored for submitted jobs and bad\n"
                    + "handles.")
    static void gs_job_abort(MemorySegment j) {
        try {
            CJob job = job(j);
            if (job == null) {
                return;
            }
            synchronized (job) {
                if (job.submitted != null || job.aborted) {
                    return;
                }
                job.aborted = true;
                job.builder.abort();
            }
            HANDLES.remove(j.address(), Handles.JOB);
        } catch (Throwable ignored) {
            // nothing to report through a void function
        }
    }

    // ================================================================== helpers

    private static boolean isNull(MemorySegment p) {
        return p == null || p.address() == 0;
    }

    private static String cString(MemorySegment p) {
        return p.reinterpret(Long.MAX_VALUE).getString(0, StandardCharsets.UTF_8);
    }

    private static void setOut(MemorySegment out, long handle) {
        out.reinterpret(ADDRESS.byteSize()).set(JAVA_LONG, 0, handle);
    }

    private static FenceRef fence(MemorySegment f) {
        return HANDLES.get(f.address(), Handles.FENCE) instanceof FenceRef r ? r : null;
    }

    private static CSched sched(MemorySegment s) {
        return HANDLES.get(s.address(), Handles.SCHED) instanceof CSched c ? c : null;
    }

    @SuppressWarnings("unchecked")
    private static Entity<CJob> entity(MemorySegment e) {
        return HANDLES.get(e.address(), Handles.ENTITY) instanceof Entity<?> en ? (Entity<CJob>) en : null;
    }

    private static CJob job(MemorySegment j) {
        return HANDLES.get(j.address(), Handles.JOB) instanceof CJob c ? c : null;
    }

    /** Reads {@code n} scheduler handles; 0, -EINVAL or -EBADF. */
    private static int schedulerList(MemorySegment scheds, int n, List<Scheduler<CJob>> out) {
        if (isNull(scheds) || n == 0) {
            return -EINVAL;
        }
        long count = Integer.toUnsignedLong(n);
        if (count > 4096) {
            return -EINVAL;
        }
        MemorySegment arr = scheds.reinterpret(count * ADDRESS.byteSize());
        for (long i = 0; i < count; i++) {
            CSched cs = sched(arr.getAtIndex(ADDRESS, i));
            if (cs == null) {
                return -EBADF;
            }
            out.add(cs.scheduler());
        }
        return 0;
    }
}
