package org.gpusched.capi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The project's cbindgen: writes the C side of the ABI from the Java side. {@code gpusched.h}
 * (the public header; a copy is committed and a test checks it is current) comes from the
 * {@link Export} annotations of {@link GsApi} and the types of {@link CDefs};
 * {@code gs_exports.c} holds one trampoline per function into the table that {@link Bootstrap}
 * fills, plus compile-time checks that the C structs have the layouts Java reads them with.
 *
 * <p>Run by the build after compilation: {@code HeaderGenerator OUTPUT_DIR}. It fails (and so
 * does the build) if a prototype and its Java signature disagree.
 */
public final class HeaderGenerator {

    private static final Pattern PROTOTYPE = Pattern.compile("^(.+?)\\s*\\b(gs_\\w+)\\((.*)\\)$", Pattern.DOTALL);
    private static final Pattern PARAM = Pattern.compile("^(.*?)(\\w+)$", Pattern.DOTALL);

    private HeaderGenerator() {
    }

    /** Writes {@code gpusched.h} and {@code gs_exports.c} into {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: HeaderGenerator OUTPUT_DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("gpusched.h"), header(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("gs_exports.c"), trampolines(), StandardCharsets.UTF_8);
    }

    /** A parsed prototype. */
    record Proto(String ret, String name, List<String> types, List<String> names) {
        String pointerType() {
            return ret + " (*)(" + (types.isEmpty() ? "void" : String.join(", ", types)) + ")";
        }
    }

    static Proto parse(Exports.Fn fn) {
        Matcher m = PROTOTYPE.matcher(fn.prototype().trim());
        if (!m.matches()) {
            throw new IllegalStateException("cannot parse the prototype of " + fn.name() + ": " + fn.prototype());
        }
        List<String> types = new ArrayList<>();
        List<String> names = new ArrayList<>();
        String params = m.group(3).trim();
        if (!params.isEmpty() && !params.equals("void")) {
            for (String p : params.split(",")) {
                Matcher pm = PARAM.matcher(p.trim());
                if (!pm.matches()) {
                    throw new IllegalStateException("cannot parse parameter '" + p + "' of " + fn.name());
                }
                types.add(pm.group(1).trim());
                names.add(pm.group(2));
            }
        }
        Proto proto = new Proto(m.group(1).trim(), m.group(2), types, names);
        check(fn, proto);
        return proto;
    }

    /** Fails unless every C type has the Java carrier the export uses. */
    private static void check(Exports.Fn fn, Proto p) {
        Class<?>[] params = fn.method().getParameterTypes();
        if (params.length != p.types().size()) {
            throw new IllegalStateException(fn.name() + ": the prototype has " + p.types().size()
                    + " parameters, the Java method " + params.length);
        }
        for (int i = 0; i < params.length; i++) {
            expect(fn, "parameter " + p.names().get(i), p.types().get(i), params[i]);
        }
        expect(fn, "return type", p.ret(), fn.method().getReturnType());
    }

    private static void expect(Exports.Fn fn, String what, String cType, Class<?> java) {
        Class<?> want = carrier(cType);
        if (want != java) {
            throw new IllegalStateException(fn.name() + ": " + what + " '" + cType + "' needs Java " + want.getSimpleName()
                    + ", the method has " + java.getSimpleName());
        }
    }

    /** The Java type that carries a C type across the upcall. */
    static Class<?> carrier(String c) {
        String t = c.replace("const ", "").trim();
        if (t.equals("void")) {
            return void.class;
        }
        if (t.contains("*") || t.equals("gs_fence_cb") || t.equals("gs_job_visit")) {
            return java.lang.foreign.MemorySegment.class;
        }
        if (t.equals("int") || t.equals("int32_t") || t.equals("uint32_t") || t.startsWith("enum ")) {
            return int.class;
        }
        if (t.equals("int64_t") || t.equals("uint64_t") || t.equals("size_t")) {
            return long.class;
        }
        throw new IllegalStateException("no Java carrier for C type '" + c + "'");
    }

    // ------------------------------------------------------------------ gpusched.h

    static String header() {
        StringBuilder b = new StringBuilder();
        b.append("""
                /*
                 * gpusched.h: the C ABI of gpusched, a GPU job scheduler (the DRM scheduler's model:
                 * fences, entities, credits, timeouts, fair scheduling) with defined lifetimes.
                 *
                 * GENERATED by the build from the Java sources (org.gpusched.capi.GsApi and CDefs);
                 * do not edit: change the Java side and rebuild. Link with -lgpusched
                 * (pkg-config --cflags --libs gpusched).
                 *
                 * Errors: functions return 0 (or a count) on success and a negative Linux errno on
                 * failure; gs_strerror() describes them.
                 * Handles: gs_timeline, gs_fence, gs_sched, gs_entity and gs_job are opaque pointers
                 * that the library validates: a NULL, stale, foreign or wrong-type handle gives -EBADF
                 * (or is ignored by a void function), never a crash.
                 * Ownership: a fence or timeline handle counts the references C holds (create and get
                 * add one, put drops one); at zero the handle is stale, while the library keeps using
                 * the fence inside. A gs_fence * passed to a fence callback and a gs_job * passed to a
                 * scheduler callback are borrowed for the call. A fence handed back through an out
                 * parameter of prepare_job or run_job hands its reference to the scheduler.
                 * Threads: every function may be called from any thread (with a stack of at least
                 * 256 KiB). Scheduler callbacks run on library threads, serialized per scheduler, never
                 * inside a gs_* call made by the driver, except cancel_job and free_job during
                 * gs_sched_destroy and gs_entity_destroy, which run on the destroying thread. Fence
                 * callbacks run on the signalling thread and must not block. Inside any callback,
                 * gs_fence_wait, gs_entity_destroy (-EDEADLK) and gs_sched_destroy (ignored) refuse to
                 * block. The library starts a JVM on first use (see gs_init); do not fork() after that.
                 */
                #ifndef GPUSCHED_H
                #define GPUSCHED_H

                #include <stddef.h>
                #include <stdint.h>

                #ifdef __cplusplus
                extern "C" {
                #endif

                """);
        b.append("#define GS_ABI_VERSION ").append(CDefs.ABI_VERSION).append("\n\n");
        b.append("""
                typedef struct gs_timeline gs_timeline;
                typedef struct gs_fence gs_fence;
                typedef struct gs_sched gs_sched;
                typedef struct gs_entity gs_entity;
                typedef struct gs_job gs_job;

                """);
        for (CDefs.Enum e : CDefs.ENUMS) {
            b.append("/* ").append(e.doc()).append(" */\n");
            b.append("enum ").append(e.name()).append(" {");
            for (int i = 0; i < e.constants().size(); i++) {
                b.append(i == 0 ? " " : ", ").append(e.constants().get(i)).append(" = ").append(e.values().get(i));
            }
            b.append(" };\n\n");
        }
        b.append("""
                /* A fence callback: called once when f signals, on the signalling thread; must not block. */
                typedef void (*gs_fence_cb)(gs_fence *f, void *data);
                /* A visitor for gs_sched_for_each_pending. */
                typedef void (*gs_job_visit)(gs_job *job, void *job_data, void *data);

                """);
        for (CDefs.Struct s : List.of(CDefs.SCHED_OPS, CDefs.SCHED_ARGS)) {
            b.append("/* ").append(s.doc()).append(" */\n");
            b.append("struct ").append(s.name()).append(" {\n");
            for (CDefs.Field f : s.fields()) {
                b.append("  ").append(f.decl()).append("; /* ").append(f.doc()).append(" */\n");
            }
            b.append("};\n\n");
        }
        b.append("""
                /* Starts the library (the JVM) now rather than on the first call. Optional and idempotent: only
                   the first call's options count. jvm_options: extra JVM options separated by spaces, or NULL.
                   The JVM gets its own start-up thread, -Xrs (the host keeps its signal handlers), a small heap
                   and --enable-native-access. The jar is found next to the library (GPUSCHED_JAR overrides it),
                   the JDK from JAVA_HOME or the path recorded at install. 0, or -EIO if the JVM cannot start
                   (the reason is printed once on stderr); every other function then returns its error value. */
                int gs_init(const char *jvm_options);

                /* The library's GS_ABI_VERSION. Never starts the JVM. */
                uint32_t gs_abi_version(void);

                /* A static description of 0 or a negative errno. Never starts the JVM. */
                const char *gs_strerror(int err);

                """);
        for (Exports.Fn fn : Exports.list()) {
            parse(fn);
            b.append("/* ").append(fn.doc().replace("\n", "\n   ")).append(" */\n");
            b.append(fn.prototype()).append(";\n\n");
        }
        b.append("""
                #ifdef __cplusplus
                }
                #endif

                #endif /* GPUSCHED_H */
                """);
        return b.toString();
    }

    // ------------------------------------------------------------------ gs_exports.c

    static String trampolines() {
        List<Exports.Fn> fns = Exports.list();
        StringBuilder b = new StringBuilder();
        b.append("""
                /* GENERATED by the build from org.gpusched.capi.GsApi; do not edit.
                   One trampoline per exported function, into the table that the Java side fills. */
                #include <errno.h>
                #include <stddef.h>
                #include "gpusched.h"
                #include "gs_internal.h"

                """);
        for (CDefs.Struct s : List.of(CDefs.SCHED_OPS, CDefs.SCHED_ARGS)) {
            b.append("_Static_assert(sizeof(struct ").append(s.name()).append(") == ").append(s.layout().byteSize())
                    .append(", \"struct ").append(s.name()).append(" differs from its Java layout\");\n");
            for (CDefs.Field f : s.fields()) {
                long off = s.layout().byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement(f.name()));
                b.append("_Static_assert(offsetof(struct ").append(s.name()).append(", ").append(f.name()).append(") == ")
                        .append(off).append(", \"").append(s.name()).append('.').append(f.name())
                        .append(" differs from its Java layout\");\n");
            }
        }
        b.append("\nconst int gs__fn_count = ").append(Exports.tableSize(fns)).append(";\n");
        for (Exports.Fn fn : fns) {
            Proto p = parse(fn);
            b.append('\n').append(fn.prototype()).append(" {\n");
            b.append("    void *fn = gs__fn(").append(fn.id()).append(");\n");
            String call = "((" + p.pointerType() + ")fn)(" + String.join(", ", p.names()) + ")";
            if (p.ret().equals("void")) {
                b.append("    if (fn != NULL)\n        ").append(call).append(";\n");
            } else {
                b.append("    if (fn == NULL)\n        return ").append(failure(p.ret())).append(";\n");
                b.append("    return ").append(call).append(";\n");
            }
            b.append("}\n");
        }
        return b.toString();
    }

    /** What a function returns when the library could not start. */
    private static String failure(String ret) {
        if (ret.contains("*")) {
            return "NULL";
        }
        if (ret.equals("uint64_t")) {
            return "0";
        }
        return "-EIO";
    }
}
