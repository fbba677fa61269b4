package org.gpusched.vulkan;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.lwjgl.vulkan.VkCommandBuffer;

/**
 * The payload of a job on a {@link VulkanRing}: real GPU work, either a compute dispatch
 * (program, descriptor set, group counts, push constants) that the ring records into a command
 * buffer of its own, or a command buffer the caller recorded.
 *
 * <p>Configure it before submitting (the methods return this); afterwards the ring records
 * what happened on the GPU. Each job needs its own {@code VulkanJob}: a second {@code run}
 * with the same one fails the job ({@link FenceError#BACKEND_FAILED}).
 *
 * <h2>Dependencies</h2>
 * Give them to {@code JobBuilder.dependsOn}: a dependency on a job of another ring of the same
 * device becomes a semaphore wait in this job's submission, without a CPU round trip; see
 * {@link VulkanRing} for each kind.
 *
 * <h2>Resources</h2>
 * The program, descriptor set, buffers and a caller's command buffer must stay alive until
 * {@link #gpuIdle()} signals, which may be later than the job's finished fence: a job that
 * timed out or was cancelled still runs to its end on the GPU.
 */
public final class VulkanJob {

    private static final Timeline IDLE_FENCES = Timeline.create("vulkan-job/gpu-idle");

    private final ComputeProgram program;
    private final long descriptorSet;
    private final int groupsX;
    private final int groupsY;
    private final int groupsZ;
    private final VkCommandBuffer commands;
    private int[] push;
    private final List<GpuGate> gates = new ArrayList<>(0);
    private Object tag;
    private Consumer<VulkanJob> onGpuDone;

    private final AtomicBoolean claimed = new AtomicBoolean();
    private final FenceSource idle;

    // Written before the hardware fence signals; read after it (or after gpuIdle).
    volatile VulkanRing.Submission submission;
    volatile long gpuNanos = -1;
    volatile long gpuStartNanos = -1;
    volatile long gpuEndNanos = -1;
    volatile long hostDoneNanos = -1;
    volatile long submitNanos = -1;

    private VulkanJob(ComputeProgram program, long descriptorSet, int x, int y, int z, VkCommandBuffer commands) {
        this.program = program;
        this.descriptorSet = descriptorSet;
        this.groupsX = x;
        this.groupsY = y;
        this.groupsZ = z;
        this.commands = commands;
        // One timeline per job: jobs of different rings go idle in any order, and a timeline
        // promises seqno order.
        this.idle = Timeline.create(IDLE_FENCES.name()).newFence();
    }

    /**
     * A compute dispatch of {@code program} with {@code descriptorSet} bound at set 0 and
     * {@code x * y * z} workgroups.
     *
     * @throws IllegalArgumentException if a group count is below 1
     */
    public static VulkanJob dispatch(ComputeProgram program, long descriptorSet, int x, int y, int z) {
        Objects.requireNonNull(program, "program");
        if (x < 1 || y < 1 || z < 1) {
            throw new IllegalArgumentException("group counts must be >= 1: " + x + "x" + y + "x" + z);
        }
        return new VulkanJob(program, descriptorSet, x, y, z, null);
    }

    /**
     * A command buffer the caller recorded (primary, ended, from a pool of the ring's queue
     * family, recorded with SIMULTANEOUS_USE if it is submitted again before its previous run
     * ends). The ring puts an ordering barrier before it and a host-visibility barrier after it.
     */
    public static VulkanJob commands(VkCommandBuffer commandBuffer) {
        return new VulkanJob(null, 0, 0, 0, 0, Objects.requireNonNull(commandBuffer, "commandBuffer"));
    }

    /** Sets the push constants (32-bit words from offset 0), at most the program's push constant size. */
    public VulkanJob pushConstants(int... values) {
        checkUnclaimed();
        if (program == null) {
            throw new IllegalStateException("a command-buffer job has no push constants of the ring's");
        }
        if (values.length * 4 > program.pushConstantBytes()) {
            throw new IllegalArgumentException(values.length * 4 + " bytes of push constants, the program takes "
                    + program.pushConstantBytes());
        }
        push = values.clone();
        return this;
    }

    /** Makes this job's GPU work wait until {@code gate} is opened (see {@link GpuGate}). */
    public VulkanJob waitForGate(GpuGate gate) {
        checkUnclaimed();
        gates.add(Objects.requireNonNull(gate, "gate"));
        return this;
    }

    /** Attaches an object of the caller's. */
    public VulkanJob tag(Object t) {
        this.tag = t;
        return this;
    }

    /** The object attached with {@link #tag(Object)}, or null. */
    public Object tag() {
        return tag;
    }

    /**
     * Runs {@code action} on the device's completion thread when the GPU is done with the job
     * (its GPU times are set then), before its hardware fence signals: for recorders. It must
     * not block; what it throws is ignored.
     */
    public VulkanJob onGpuDone(Consumer<VulkanJob> action) {
        checkUnclaimed();
        this.onGpuDone = action;
        return this;
    }

    private void checkUnclaimed() {
        if (claimed.get()) {
            throw new IllegalStateException("the job has been handed to a ring already");
        }
    }

    // ------------------------------------------------------------------ what happened

    /**
     * Signals when the GPU no longer uses anything of this job: when its semaphore value has
     * really passed (also after a timeout or a cancellation, which cannot stop GPU work), or
     * when it was freed without ever being submitted. Its error is DEVICE_GONE if the device
     * was lost.
     */
    public Fence gpuIdle() {
        return idle.fence();
    }

    /** True once it was submitted to a queue. */
    public boolean submitted() {
        return submission != null;
    }

    /**
     * GPU time of the job in nanoseconds, from timestamps written around its work on the GPU,
     * or -1 if the ring writes none (or it has not finished).
     */
    public long gpuNanos() {
        return gpuNanos;
    }

    /** When its GPU work started, on the {@link System#nanoTime()} clock, or -1 if not known. */
    public long gpuStartNanos() {
        return gpuStartNanos;
    }

    /** When its GPU work ended, on the {@link System#nanoTime()} clock, or -1 if not known. */
    public long gpuEndNanos() {
        return gpuEndNanos;
    }

    /** When the completion thread saw it done ({@link System#nanoTime()}), or -1. */
    public long completedNanos() {
        return hostDoneNanos;
    }

    /** When the ring submitted it ({@link System#nanoTime()}), or -1. */
    public long submittedNanos() {
        return submitNanos;
    }

    // ------------------------------------------------------------------ package

    boolean claim() {
        return claimed.compareAndSet(false, true);
    }

    boolean isDispatch() {
        return commands == null;
    }

    ComputeProgram program() {
        return program;
    }

    long descriptorSet() {
        return descriptorSet;
    }

    int groupsX() {
        return groupsX;
    }

    int groupsY() {
        return groupsY;
    }

    int groupsZ() {
        return groupsZ;
    }

    int[] pushData() {
        return push;
    }

    VkCommandBuffer commandBuffer() {
        return commands;
    }

    List<GpuGate> gates() {
        return gates;
    }

    /** The GPU is done: runs the recorder hook (before the hardware fence signals). */
    void runGpuDoneHook() {
        Consumer<VulkanJob> a = onGpuDone;
        if (a != null) {
            try {
                a.accept(this);
            } catch (RuntimeException ignored) {
                // A recorder must not stop completions.
            }
        }
    }

    /** Nothing of the job is in use on the GPU any more (it finished there, or never got there). */
    void markIdle(FenceError error) {
        idle.signal(error);
    }

    @Override
    public String toString() {
        return "VulkanJob[" + (commands == null ? program.name() + " " + groupsX + "x" + groupsY + "x" + groupsZ
                : "command buffer") + "]";
    }
}
