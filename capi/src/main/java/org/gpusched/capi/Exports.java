package org.gpusched.capi;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The list of exported functions, read from the {@link Export} annotations of {@link GsApi}: the
 * one place both the header generator and {@link Bootstrap} take it from. Immutable.
 */
final class Exports {

    /** One exported function. */
    record Fn(int id, String name, String prototype, String doc, Method method) {
        /** The FFM descriptor matching the Java signature. */
        FunctionDescriptor descriptor() {
            List<MemoryLayout> args = new ArrayList<>();
            for (Class<?> p : method.getParameterTypes()) {
                args.add(layout(p));
            }
            Class<?> r = method.getReturnType();
            MemoryLayout[] a = args.toArray(MemoryLayout[]::new);
            return r == void.class ? FunctionDescriptor.ofVoid(a) : FunctionDescriptor.of(layout(r), a);
        }
    }

    private Exports() {
    }

    /** The exported functions in id order. */
    static List<Fn> list() {
        List<Fn> out = new ArrayList<>();
        for (Method m : GsApi.class.getDeclaredMethods()) {
            Export e = m.getAnnotation(Export.class);
            if (e == null) {
                continue;
            }
            if (!Modifier.isStatic(m.getModifiers()) || !m.getName().equals(nameOf(e.c()))) {
                throw new IllegalStateException("@Export " + m + " must be static and named like its C function "
                        + nameOf(e.c()));
            }
            out.add(new Fn(e.id(), m.getName(), e.c(), e.doc(), m));
        }
        out.sort(Comparator.comparingInt(Fn::id));
        for (int i = 1; i < out.size(); i++) {
            if (out.get(i).id() == out.get(i - 1).id()) {
                throw new IllegalStateException("two exports share id " + out.get(i).id());
            }
        }
        return out;
    }

    /** Size of the function table: the largest id plus one. */
    static int tableSize(List<Fn> fns) {
        return fns.isEmpty() ? 0 : fns.get(fns.size() - 1).id() + 1;
    }

    /** The C function name in a prototype. */
    static String nameOf(String prototype) {
        int paren = prototype.indexOf('(');
        String head = prototype.substring(0, paren).trim();
        int start = head.length();
        while (start > 0 && (Character.isLetterOrDigit(head.charAt(start - 1)) || head.charAt(start - 1) == '_')) {
            start--;
        }
        return head.substring(start);
    }

    static MemoryLayout layout(Class<?> c) {
        if (c == MemorySegment.class) {
            return ValueLayout.ADDRESS;
        }
        if (c == int.class) {
            return ValueLayout.JAVA_INT;
        }
        if (c == long.class) {
            return ValueLayout.JAVA_LONG;
        }
        throw new IllegalStateException("unsupported type in an export: " + c);
    }
}
