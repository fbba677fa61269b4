package org.gpusched.capi;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;

/**
 * The entry point libgpusched calls (through JNI, once, on its start-up thread) right after it
 * created the JVM: fills the library's function table with an upcall stub per exported
 * function. Each stub is guarded so that nothing thrown in Java can reach C (an exception
 * escaping an upcall would end the host process): the export itself catches everything, and a
 * second guard around it turns whatever might still escape (a StackOverflowError inside the
 * catch, say) into the function's error value.
 */
public final class Bootstrap {

    private Bootstrap() {
    }

    /**
     * Fills the table.
     *
     * @param table address of {@code void *table[count]} in the C library
     * @param count the number of slots the C library was built with
     * @return 0, or -EINVAL if the jar and the library were built from different sources
     */
    public static int init(long table, int count) {
        try {
            List<Exports.Fn> fns = Exports.list();
            if (count != Exports.tableSize(fns)) {
                System.err.println("gpusched: libgpusched.so expects " + count + " functions but the jar exports "
                        + Exports.tableSize(fns) + "; install the library and the jar from the same build");
                return -Errno.EINVAL;
            }
            MemorySegment t = MemorySegment.ofAddress(table).reinterpret(count * ADDRESS.byteSize());
            Linker linker = Linker.nativeLinker();
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            for (Exports.Fn fn : fns) {
                MethodHandle mh = guard(lookup.unreflect(fn.method()), fn.prototype().startsWith("uint64_t"));
                t.setAtIndex(ADDRESS, fn.id(), linker.upcallStub(mh, fn.descriptor(), Arena.global()));
            }
            return 0;
        } catch (Throwable e) {
            e.printStackTrace();
            return -Errno.EIO;
        }
    }

    private static MethodHandle guard(MethodHandle mh, boolean unsigned) {
        MethodType type = mh.type();
        Class<?> r = type.returnType();
        MethodHandle fallback;
        if (r == void.class) {
            fallback = MethodHandles.empty(type);
        } else if (r == int.class) {
            fallback = MethodHandles.dropArguments(MethodHandles.constant(int.class, -Errno.EIO), 0, type.parameterList());
        } else if (r == long.class) {
            fallback = MethodHandles.dropArguments(MethodHandles.constant(long.class, unsigned ? 0L : (long) -Errno.EIO), 0,
                    type.parameterList());
        } else {
            fallback = MethodHandles.dropArguments(MethodHandles.constant(MemorySegment.class, MemorySegment.NULL), 0,
                    type.parameterList());
        }
        return MethodHandles.catchException(mh, Throwable.class, MethodHandles.dropArguments(fallback, 0, Throwable.class));
    }
}
