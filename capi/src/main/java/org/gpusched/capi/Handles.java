package org.gpusched.capi;

import java.util.Arrays;

/**
 * The table behind every opaque pointer the C ABI hands out: a slot index, a generation and a
 * type tag packed into one non-zero 64-bit value, so that a handle can be checked without ever
 * being dereferenced. A NULL, stale (freed slot, older generation), foreign (never issued) or
 * wrong-type value is rejected; no value from C can crash the library.
 *
 * <p>Layout of a handle: bits 0..3 type tag, bits 4..31 slot, bits 32..63 generation (never 0).
 * Each slot also counts the references C code holds; a handle becomes stale when its count
 * reaches zero (the object itself lives on in Java for as long as the library uses it).
 *
 * <p>Thread-safe: one lock guards the table; every operation is O(1).
 */
final class Handles {

    static final int TIMELINE = 1;
    static final int FENCE = 2;
    static final int SCHED = 3;
    static final int ENTITY = 4;
    static final int JOB = 5;

    private static final int MAX_SLOTS = 1 << 28;

    private Object[] objects = new Object[256];
    private int[] generations = new int[256];
    private int[] refs = new int[256];
    private byte[] types = new byte[256];
    private int[] freeList = new int[256];
    private int freeCount;
    private int used;

    Handles() {
        Arrays.fill(generations, 1);
    }

    /** Issues a new handle for {@code o} with one reference. */
    synchronized long add(int type, Object o) {
        int slot;
        if (freeCount > 0) {
            slot = freeList[--freeCount];
        } else {
            if (used == objects.length) {
                grow();
            }
            slot = used++;
        }
        objects[slot] = o;
        refs[slot] = 1;
        types[slot] = (byte) type;
        return encode(type, slot, generations[slot]);
    }

    private void grow() {
        int n = objects.length * 2;
        if (n > MAX_SLOTS) {
            throw new OutOfMemoryError("handle table full");
        }
        objects = Arrays.copyOf(objects, n);
        int old = generations.length;
        generations = Arrays.copyOf(generations, n);
        Arrays.fill(generations, old, n, 1);
        refs = Arrays.copyOf(refs, n);
        types = Arrays.copyOf(types, n);
        freeList = Arrays.copyOf(freeList, n);
    }

    private static long encode(int type, int slot, int generation) {
        return ((long) generation << 32) | ((long) slot << 4) | type;
    }

    /** The object behind a live handle of {@code type}, or null if the handle is bad. */
    synchronized Object get(long handle, int type) {
        int slot = slotOf(handle, type);
        return slot < 0 ? null : objects[slot];
    }

    /** Adds a reference to a live handle; false if the handle is bad. */
    synchronized boolean retain(long handle, int type) {
        int slot = slotOf(handle, type);
        if (slot < 0) {
            return false;
        }
        refs[slot]++;
        return true;
    }

    /**
     * Drops a reference; at zero the handle becomes stale.
     *
     * @return the object if this dropped the last reference, {@code this} as a marker if
     *         references remain, or null if the handle is bad
     */
    synchronized Object release(long handle, int type) {
        int slot = slotOf(handle, type);
        if (slot < 0) {
            return null;
        }
        if (--refs[slot] > 0) {
            return this;
        }
        return free(slot);
    }

    /** Makes a live handle stale at once, whatever its count; returns its object or null. */
    synchronized Object remove(long handle, int type) {
        int slot = slotOf(handle, type);
        return slot < 0 ? null : free(slot);
    }

    private Object free(int slot) {
        Object o = objects[slot];
        objects[slot] = null;
        refs[slot] = 0;
        types[slot] = 0;
        int g = generations[slot] + 1;
        generations[slot] = g == 0 ? 1 : g;
        freeList[freeCount++] = slot;
        return o;
    }

    private int slotOf(long handle, int type) {
        if (handle == 0 || (handle & 0xF) != type) {
            return -1;
        }
        int slot = (int) ((handle >>> 4) & (MAX_SLOTS - 1));
        int generation = (int) (handle >>> 32);
        if (slot >= used || types[slot] != type || generations[slot] != generation || refs[slot] <= 0) {
            return -1;
        }
        return slot;
    }

    /** Live handles (for leak checks in tests). */
    synchronized int live() {
        return used - freeCount;
    }
}
