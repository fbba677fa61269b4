package org.gpusched.vulkan;

import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The log buffer the built-in {@code add} and {@code spin} shaders append to: a counter, then
 * one {@code (entity, seq, value, kind)} entry per job in the order the jobs ran on the GPU.
 * The host reads it to prove that every job ran exactly once, and in which order.
 */
public final class JobLog implements AutoCloseable {

    /** Bytes before the first entry (the counter, padded to 16). */
    private static final int HEADER = 16;
    private static final int ENTRY = 16;

    private final VulkanBuffer buffer;
    private final int capacity;

    /** A log for {@code capacity} entries on {@code device}. */
    public JobLog(VulkanDevice device, int capacity) {
        this.capacity = capacity;
        this.buffer = device.createBuffer(HEADER + (long) ENTRY * capacity);
    }

    /** One entry: which job, and what it wrote. */
    public record Entry(int entity, int seq, int value, int kind) {
    }

    /** The buffer to bind at binding 0. */
    public VulkanBuffer buffer() {
        return buffer;
    }

    /** How many entries fit. */
    public int capacity() {
        return capacity;
    }

    /** How many jobs appended (may exceed the capacity; the extra entries are not stored). */
    public int count() {
        return buffer.ints().get(0);
    }

    /** The stored entries, in the order the jobs ran. */
    public List<Entry> entries() {
        IntBuffer b = buffer.ints();
        int n = Math.min(b.get(0), capacity);
        List<Entry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int o = (HEADER + ENTRY * i) / 4;
            out.add(new Entry(b.get(o), b.get(o + 1), b.get(o + 2), b.get(o + 3)));
        }
        return out;
    }

    /** Empties the log (while no job uses it). */
    public void clear() {
        buffer.clear();
    }

    @Override
    public void close() {
        buffer.close();
    }
}
