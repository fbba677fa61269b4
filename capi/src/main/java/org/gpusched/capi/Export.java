package org.gpusched.capi;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a static method of {@link GsApi} as a function of the C ABI. This annotation is the
 * single source of truth: the build generates the header's prototype and documentation, the C
 * trampoline and the function-table slot from it, and {@link Bootstrap} builds the upcall stub
 * from the same method, so the two sides cannot disagree.
 *
 * <p>Parameter and return types must match the C prototype: pointers are
 * {@link java.lang.foreign.MemorySegment}, {@code int}/{@code int32_t}/{@code uint32_t}/enums are
 * {@code int}, {@code int64_t}/{@code uint64_t}/{@code size_t} are {@code long}. The generator
 * checks this and fails the build otherwise.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@interface Export {

    /** The function's slot in the table: unique, never reused; new functions take new ids. */
    int id();

    /** The C prototype, without the trailing semicolon. */
    String c();

    /** The function's contract, as written into the header. */
    String doc();
}
