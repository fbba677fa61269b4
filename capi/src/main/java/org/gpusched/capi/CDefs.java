package org.gpusched.capi;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.ArrayList;
import java.util.List;
import org.gpusched.sched.Policy;
import org.gpusched.sched.Priority;
import org.gpusched.sched.TimeoutVerdict;

/**
 * The C ABI's types as seen from Java: the structs the driver passes in (with their memory
 * layouts, from which the header's definitions are generated) and the enums (generated from the
 * Java enums, so their values cannot drift). Immutable constants.
 */
final class CDefs {

    /** {@code GS_ABI_VERSION}. Bumped only for incompatible changes; additions keep it. */
    static final int ABI_VERSION = 1;

    private CDefs() {
    }

    /** A C struct field: its declaration in the header and its Java layout. */
    record Field(String name, String decl, MemoryLayout layout, String doc) {
    }

    /** A C struct with natural alignment, as the C compiler lays it out. */
    record Struct(String name, String doc, List<Field> fields, StructLayout layout) {
        static Struct of(String name, String doc, Field... fields) {
            List<MemoryLayout> members = new ArrayList<>();
            long offset = 0;
            long maxAlign = 1;
            for (Field f : fields) {
                long align = f.layout().byteAlignment();
                maxAlign = Math.max(maxAlign, align);
                long pad = (align - offset % align) % align;
                if (pad > 0) {
                    members.add(MemoryLayout.paddingLayout(pad));
                    offset += pad;
                }
                members.add(f.layout().withName(f.name()));
                offset += f.layout().byteSize();
            }
            long tail = (maxAlign - offset % maxAlign) % maxAlign;
            if (tail > 0) {
                members.add(MemoryLayout.paddingLayout(tail));
            }
            return new Struct(name, doc, List.of(fields),
                    MemoryLayout.structLayout(members.toArray(MemoryLayout[]::new)).withName(name));
        }
    }

    static final Struct SCHED_OPS = Struct.of("gs_sched_ops",
            "The driver's callbacks (the kernel's drm_sched_backend_ops). Run on library threads, serialized per"
                    + " scheduler, never inside a gs_* call made by the driver (except cancel_job/free_job during"
                    + " gs_sched_destroy and gs_entity_destroy, on the destroying thread).",
            new Field("size", "size_t size", JAVA_LONG, "sizeof(struct gs_sched_ops)"),
            new Field("prepare_job",
                    "int (*prepare_job)(gs_job *job, void *job_data, void *sched_data, gs_fence **dep_out)", ADDRESS,
                    "optional: return 0 and set *dep_out to one more fence to wait for (its reference passes to the"
                            + " scheduler), or leave it NULL when there is none; asked again after each fence signals; a"
                            + " non-zero return fails the job with -EIO"),
            new Field("run_job", "int (*run_job)(gs_job *job, void *job_data, void *sched_data, gs_fence **hw_fence_out)",
                    ADDRESS, "required: submit to the hardware; set *hw_fence_out to the hardware fence (its reference"
                    + " passes to the scheduler); 0 with NULL = completed at once without error; < 0 = failed with"
                    + " that error; any other return counts as -EIO"),
            new Field("timedout_job", "enum gs_timeout_status (*timedout_job)(gs_job *job, void *job_data, void *sched_data)",
                    ADDRESS, "required if timeout_ns >= 0: RESET (the job ends with -ETIMEDOUT and is freed), NO_HANG"
                    + " (re-arm), ENODEV (the scheduler stops for good); an unknown value counts as RESET"),
            new Field("cancel_job", "void (*cancel_job)(gs_job *job, void *job_data, void *sched_data)", ADDRESS,
                    "optional: gs_sched_destroy is tearing down a job on the hardware; make its hardware fence"
                            + " signal (typically with -ECANCELED)"),
            new Field("free_job", "void (*free_job)(gs_job *job, void *job_data, void *sched_data)", ADDRESS,
                    "optional: called exactly once per submitted job, whatever path it took; the job handle is"
                            + " stale when it returns"));

    static final Struct SCHED_ARGS = Struct.of("gs_sched_args",
            "How to create a scheduler (gs_sched_create).",
            new Field("size", "size_t size", JAVA_LONG, "sizeof(struct gs_sched_args)"),
            new Field("name", "const char *name", ADDRESS, "copied"),
            new Field("credit_limit", "uint32_t credit_limit", JAVA_INT, "> 0"),
            new Field("timeout_ns", "int64_t timeout_ns", JAVA_LONG, "< 0: no timeout"),
            new Field("policy", "enum gs_policy policy", JAVA_INT, "GS_POLICY_RR, _FIFO or _FAIR"),
            new Field("sched_data", "void *sched_data", ADDRESS, "passed to every callback"));

    /** A C enum generated from a Java enum. */
    record Enum(String name, String doc, List<String> constants, List<Integer> values) {
    }

    static final List<Enum> ENUMS = List.of(
            enumOf("gs_priority", "Entity priority, highest first.", "GS_PRIORITY_", Priority.values(), 0),
            enumOf("gs_policy", "Scheduling policy of a scheduler.", "GS_POLICY_", Policy.values(), 0),
            new Enum("gs_timeout_status", "What timedout_job decided.",
                    List.of("GS_TIMEOUT_RESET", "GS_TIMEOUT_NO_HANG", "GS_TIMEOUT_ENODEV"),
                    List.of(timeoutValue(TimeoutVerdict.RESET), timeoutValue(TimeoutVerdict.NO_HANG),
                            timeoutValue(TimeoutVerdict.DEVICE_GONE))));

    private static Enum enumOf(String name, String doc, String prefix, java.lang.Enum<?>[] values, int base) {
        List<String> c = new ArrayList<>();
        List<Integer> v = new ArrayList<>();
        for (java.lang.Enum<?> e : values) {
            c.add(prefix + e.name());
            v.add(base + e.ordinal());
        }
        return new Enum(name, doc, c, v);
    }

    /** The C value of a verdict: 1 RESET, 2 NO_HANG, 3 ENODEV. */
    static int timeoutValue(TimeoutVerdict v) {
        return v.ordinal() + 1;
    }

    /** The verdict for a C value; unknown values count as RESET (the contract). */
    static TimeoutVerdict verdict(int value) {
        return switch (value) {
            case 2 -> TimeoutVerdict.NO_HANG;
            case 3 -> TimeoutVerdict.DEVICE_GONE;
            default -> TimeoutVerdict.RESET;
        };
    }
}
