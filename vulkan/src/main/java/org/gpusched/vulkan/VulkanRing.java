package org.gpusched.vulkan;

import static org.lwjgl.system.MemoryStack.stackPush;
import static org.lwjgl.vulkan.VK10.*;

import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.gpusched.sched.Backend;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.TimeoutVerdict;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.vulkan.VK12;
import org.lwjgl.vulkan.VkCommandBuffer;
import org.lwjgl.vulkan.VkCommandBufferAllocateInfo;
import org.lwjgl.vulkan.VkCommandBufferBeginInfo;
import org.lwjgl.vulkan.VkCommandPoolCreateInfo;
import org.lwjgl.vulkan.VkMemoryBarrier;
import org.lwjgl.vulkan.VkQueryPoolCreateInfo;
import org.lwjgl.vulkan.VkSemaphoreWaitInfo;
import org.lwjgl.vulkan.VkSubmitInfo;
import org.lwjgl.vulkan.VkTimelineSemaphoreSubmitInfo;

/**
 * A gpusched {@link Backend} that feeds one {@code VkQueue}: one {@link Scheduler} per ring, as
 * the kernel has one {@code drm_gpu_scheduler} per hardware ring.
 *
 * <h2>What the scheduler's calls do here</h2>
 * <ul>
 *   <li><b>run</b> records the job (a compute dispatch, or the caller's command buffer between
 *       two barriers), submits it with a signal of the ring's timeline semaphore to the job's
 *       value (1, 2, 3, ...) and returns a hardware fence that the device's completion thread
 *       signals when the semaphore reaches that value. Each job begins with a pipeline barrier
 *       on everything earlier on its queue, so a ring executes in order, as the scheduler's
 *       same-ring pipelining assumes; two rings on one queue are ordered with each other too.</li>
 *   <li><b>waitsOnHardware</b> takes a dependency on a job of another ring of the same device
 *       onto the GPU (see below), and {@code run} adds a wait for that ring's semaphore at that
 *       job's value to the submission.</li>
 *   <li><b>credits</b>: the ring's {@link #depth()} is how many jobs it keeps on its queue at
 *       once, and a job's credits are its share of that depth; {@link #schedulerBuilder()}
 *       sets the scheduler's credit limit to it. A scheduler with a larger limit cannot put
 *       more on the queue: {@code run} throws {@link IllegalStateException} (the job ends with
 *       BACKEND_FAILED) for a job whose credits do not fit next to those the ring counts. The
 *       ring counts a job's credits from {@code run} until the first of: the GPU finished it,
 *       {@code timedOut} answered RESET, the scheduler freed it; so a job ended by
 *       {@code Scheduler.start(error)} still counts until it is freed. A job that timed out
 *       (RESET) or was cancelled leaves the count but stays on the queue until the GPU ends it:
 *       the queue then holds more than {@code depth} jobs ({@link #inFlight()} counts them),
 *       which no backend can avoid, as Vulkan cannot take submitted work back.</li>
 *   <li><b>timedOut</b> (the Vulkan reality: submitted work cannot be cancelled or preempted):
 *       <ul>
 *         <li>If the job's semaphore value has passed, NO_HANG: it is done, and its fence is
 *             being signalled.</li>
 *         <li>If the device is lost ({@code VK_ERROR_DEVICE_LOST}, what a driver reports after
 *             its own hang recovery), DEVICE_GONE: the scheduler stops for good, every job on
 *             it ends with DEVICE_GONE, and so does every later run on this device.</li>
 *         <li>Otherwise the ring's {@link Builder#onTimeout configured verdict}: RESET (the
 *             default) ends the job with TIMED_OUT at once, returns its credits and lets the
 *             next job run; but the GPU still executes it to its end: jobs behind it on the
 *             queue still wait for it there, its writes still land, its command buffer and
 *             the job's resources stay alive until the semaphore really passes
 *             ({@link VulkanJob#gpuIdle()} signals then), and GPU-side dependents still wait
 *             for it on the GPU. NO_HANG instead keeps waiting (the timeout starts again).</li>
 *       </ul>
 *       The time a job waits on the GPU for a GPU-side dependency counts as its running time.</li>
 *   <li><b>device loss</b> seen outside a timeout ({@code VK_ERROR_DEVICE_LOST} from the
 *       completion thread's wait or from {@code vkQueueSubmit}): the device is marked lost,
 *       every job pending on its rings gets its hardware fence signalled with DEVICE_GONE (its
 *       {@link VulkanJob#gpuIdle()} too), and every later {@code run} returns a fence already
 *       signalled with DEVICE_GONE without a Vulkan call. The scheduler is not stopped: its
 *       queued jobs still reach {@code run} and end that way, one by one.</li>
 *   <li><b>cancel</b> (scheduler closing with jobs on the queue) returns false: the jobs end
 *       with CANCELED at once, but run to their end on the GPU; their resources are released
 *       when their semaphore value passes, and {@link #close()} waits for that.</li>
 *   <li><b>free</b> releases the job's command buffer only once the GPU is done with it
 *       (freeing after a timeout or a cancellation defers it to the completion thread).</li>
 * </ul>
 *
 * <h2>The two kinds of dependency</h2>
 * Every dependency is given to {@code JobBuilder.dependsOn}, and the scheduler keeps all its
 * rules for it (per-entity order, credits, timeouts, teardown; a killed job's finished fence
 * still waits for it). How it is waited for depends on what it is:
 * <ul>
 *   <li>the finished fence of a job of <b>another ring of this device</b> that was submitted
 *       to its queue: a GPU-side wait. The scheduler waits on the CPU only until that job is
 *       on its queue (its {@code scheduled} fence), asks {@link #waitsOnHardware}, and hands
 *       the job to this ring at once; the submission waits for the other ring's semaphore at
 *       that job's value. No CPU round trip; {@link #gpuWaits()} counts these waits (none is
 *       added if the GPU has finished that job already). The job's finished fence still
 *       signals only after the dependency's. The dependency is on the GPU work: if that job
 *       ended early (RESET timeout, cancellation), this one still waits on the GPU until that
 *       work really ends, and the time it waits counts as its running time for the timeout.
 *       {@link Builder#gpuDependencies(boolean) gpuDependencies(false)} turns this off.</li>
 *   <li>a job of the <b>same</b> scheduler: the scheduler waits only for its {@code scheduled}
 *       fence (pipelining), as the ring executes in order.</li>
 *   <li>anything else (a job of another device or backend, a job that was killed or whose
 *       submission failed, a plain fence): the CPU waits for the fence before {@code run}.</li>
 * </ul>
 *
 * <p>Threading: the scheduler calls it on its lane, one call at a time; the completion thread
 * and {@link #close()} are the only other threads, and share only the pending list (under a
 * lock) and released command buffers (a concurrent queue).
 */
public final class VulkanRing implements Backend<VulkanJob>, AutoCloseable {

    /** Query slots per timestamp query pool (two queries each). */
    private static final int SLOTS_PER_POOL = 64;

    private final VulkanDevice device;
    private final String name;
    private final int queueIndex;
    private final int depth;
    private final boolean timestamps;
    private final TimeoutVerdict onTimeout;
    private final boolean gpuDependencies;
    private final long semaphore;
    private final long commandPool;
    private final VkCommandBuffer prologue;
    private final VkCommandBuffer epilogue;
    private final Timeline hwTimeline;

    // Lane-confined (and close(), once the scheduler is closed).
    private volatile long nextValue;
    private final ArrayDeque<Slot> freeSlots = new ArrayDeque<>();
    private final List<Long> queryPools = new ArrayList<>();
    private int slotCount;

    // Shared with the completion thread.
    private final Object lock = new Object();
    private final ArrayDeque<Submission> pending = new ArrayDeque<>(); // guarded by lock
    private final Object completeLock = new Object();
    private final ConcurrentLinkedQueue<Slot> reclaimed = new ConcurrentLinkedQueue<>();
    private volatile int maxInFlight;
    /** Credits of the jobs the ring counts against its depth (see {@link #run}). */
    private final AtomicInteger chargedCredits = new AtomicInteger();
    private final LongAdder submittedJobs = new LongAdder();
    private final LongAdder completedJobs = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder gpuWaitsAdded = new LongAdder();
    private volatile boolean closed;

    private VulkanRing(Builder b) {
        this.device = b.device;
        this.name = b.name;
        this.queueIndex = b.queue;
        this.depth = b.depth;
        this.timestamps = b.timestamps && device.hasTimestamps();
        this.onTimeout = b.onTimeout;
        this.gpuDependencies = b.gpuDependencies;
        this.hwTimeline = Timeline.create(name + "/vk");
        this.semaphore = device.createTimelineSemaphore();
        try (MemoryStack stack = stackPush()) {
            VkCommandPoolCreateInfo pci = VkCommandPoolCreateInfo.calloc(stack).sType$Default()
                    .flags(VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT).queueFamilyIndex(device.queueFamily());
            LongBuffer lp = stack.mallocLong(1);
            Vk.check(vkCreateCommandPool(device.vkDevice(), pci, null, lp), "vkCreateCommandPool");
            this.commandPool = lp.get(0);
        }
        this.prologue = allocateCommandBuffer();
        this.epilogue = allocateCommandBuffer();
        recordBarrierOnly(prologue, false);
        recordBarrierOnly(epilogue, true);
        device.addRing(this);
    }

    /**
     * Configures a {@link VulkanRing}: which queue, how deep, whether to time jobs on the GPU,
     * and the timeout verdict. Not thread-safe; {@code build} once.
     */
    public static final class Builder {
        private final VulkanDevice device;
        private final String name;
        private int queue;
        private int depth = 4;
        private boolean timestamps;
        private TimeoutVerdict onTimeout = TimeoutVerdict.RESET;
        private boolean gpuDependencies = true;

        Builder(VulkanDevice device, String name) {
            this.device = device;
            this.name = Objects.requireNonNull(name, "name");
        }

        /**
         * The queue it submits to (default 0). Rings may share a queue (lavapipe has one): each
         * keeps its own semaphore, and their jobs are ordered with each other on the queue.
         */
        public Builder queue(int index) {
            if (index < 0 || index >= device.queueCount()) {
                throw new IllegalArgumentException("queue " + index + " does not exist: " + device.name() + " has "
                        + device.queueCount() + " in family " + device.queueFamily());
            }
            this.queue = index;
            return this;
        }

        /** How many jobs it keeps on the queue at once (default 4): the scheduler's credit limit. */
        public Builder depth(int jobs) {
            if (jobs < 1) {
                throw new IllegalArgumentException("depth must be >= 1, got " + jobs);
            }
            this.depth = jobs;
            return this;
        }

        /**
         * Writes GPU timestamps around each dispatch so that {@link VulkanJob#gpuNanos()} is
         * measured on the GPU (default off; ignored where the queue has none).
         */
        public Builder timestamps(boolean on) {
            this.timestamps = on;
            return this;
        }

        /**
         * The verdict for a job still on the GPU when the timeout expires: RESET (default) or
         * NO_HANG; see the class comment for what each does.
         *
         * @throws IllegalArgumentException for DEVICE_GONE, which is only for a lost device
         */
        public Builder onTimeout(TimeoutVerdict v) {
            if (v == TimeoutVerdict.DEVICE_GONE) {
                throw new IllegalArgumentException("DEVICE_GONE is the verdict for a lost device only");
            }
            this.onTimeout = Objects.requireNonNull(v, "verdict");
            return this;
        }

        /**
         * Whether a {@code dependsOn} dependency on a job of another ring of the same device is
         * a semaphore wait in the submission (true, the default: the job is handed to this ring
         * as soon as that job is on its queue) or is waited for on the CPU like any other
         * dependency between schedulers (false: the job is handed to this ring only after that
         * job's finished fence signalled). For comparing the two; see the class comment.
         */
        public Builder gpuDependencies(boolean on) {
            this.gpuDependencies = on;
            return this;
        }

        /** Creates the ring. */
        public VulkanRing build() {
            device.checkOpen();
            return new VulkanRing(this);
        }
    }

    // ================================================================== accessors

    /** The ring's name. */
    public String name() {
        return name;
    }

    /** The device it runs on. */
    public VulkanDevice device() {
        return device;
    }

    /** The queue index it submits to. */
    public int queueIndex() {
        return queueIndex;
    }

    /** How many jobs it keeps on its queue at once: the largest sensible credit limit. */
    public int depth() {
        return depth;
    }

    /** Whether it writes GPU timestamps around dispatches. */
    public boolean timestamps() {
        return timestamps;
    }

    /** Whether dependencies on jobs of other rings of its device are semaphore waits on the GPU. */
    public boolean gpuDependencies() {
        return gpuDependencies;
    }

    /**
     * A scheduler builder for this ring, named after it, with the credit limit set to its depth.
     * A larger limit does not put more jobs on the queue: {@link #run} rejects the jobs that
     * would exceed the depth.
     */
    public Scheduler.Builder<VulkanJob> schedulerBuilder() {
        return Scheduler.builder(this).name(name).creditLimit(depth);
    }

    /** Jobs submitted and not yet seen complete (a snapshot). */
    public int inFlight() {
        synchronized (lock) {
            return pending.size();
        }
    }

    /** The most jobs it ever had submitted and not yet seen complete. */
    public int maxInFlight() {
        return maxInFlight;
    }

    /** Jobs submitted to the queue so far. */
    public long submittedJobs() {
        return submittedJobs.sum();
    }

    /** Jobs the completion thread saw complete so far. */
    public long completedJobs() {
        return completedJobs.sum();
    }

    /** Timeouts it answered with its configured verdict (the job was still on the GPU). */
    public long timeouts() {
        return timeouts.sum();
    }

    /** Semaphore waits it put into submissions for dependencies on other rings' jobs. */
    public long gpuWaits() {
        return gpuWaitsAdded.sum();
    }

    /** Command buffers it has allocated for dispatches (they are reused once the GPU is done). */
    public int commandBuffersAllocated() {
        return slotCount;
    }

    /** The semaphore's current value: the value of the last job the GPU finished on this ring. */
    public long completedValue() {
        long[] v = new long[1];
        Vk.check(VK12.vkGetSemaphoreCounterValue(device.vkDevice(), semaphore, v), "vkGetSemaphoreCounterValue");
        return v[0];
    }

    long semaphore() {
        return semaphore;
    }

    // ================================================================== Backend

    /**
     * True for the finished fence of a job that this device's rings have submitted
     * successfully (its GPU work may be done or not), while GPU-side dependencies are on: run
     * then puts a wait for that job's semaphore value into the submission. Anything else (a job
     * of another device or backend, a killed job, one whose submission failed) the scheduler
     * waits for on the CPU.
     */
    @Override
    public boolean waitsOnHardware(Fence dependency) {
        return gpuDependencies && device.submissionOf(dependency) != null;
    }

    @Override
    public Fence run(JobView<VulkanJob> view) {
        VulkanJob job = view.payload();
        if (!job.claim()) {
            throw new IllegalStateException("this VulkanJob was handed to a ring already; each job needs its own");
        }
        if (closed) {
            throw new IllegalStateException("ring " + name + " is closed");
        }
        if (device.isLost()) {
            FenceSource gone = hwTimeline.newFence();
            gone.signal(FenceError.DEVICE_GONE);
            return gone.fence();
        }
        int credits = view.credits();
        int charged = chargedCredits.get();
        if (charged + credits > depth) {
            throw new IllegalStateException("ring " + name + " has depth " + depth + " and " + charged
                    + " credits on its queue; a job of " + credits + " more does not fit: its scheduler's credit limit"
                    + " is larger than the ring's depth (build the scheduler with ring.schedulerBuilder())");
        }
        List<Submission> waits = gpuWaitsOf(view);
        FenceSource hw = hwTimeline.newFence();
        reclaimSlots();
        Slot slot = job.isDispatch() ? takeSlot() : null;
        if (slot != null) {
            record(slot, job);
        }
        long value = nextValue + 1;
        Submission sub = new Submission(this, value, hw, job, slot, view.finished(), credits);
        chargedCredits.addAndGet(credits);
        boolean wasIdle;
        synchronized (lock) {
            wasIdle = pending.isEmpty();
            pending.addLast(sub);
            if (pending.size() > maxInFlight) {
                maxInFlight = pending.size();
            }
        }
        job.submission = sub;
        job.submitNanos = System.nanoTime();
        int r = submit(sub, slot, job, waits);
        if (r != Vk.SUCCESS) {
            synchronized (lock) {
                pending.removeLastOccurrence(sub);
            }
            sub.uncharge();
            job.submission = null;
            if (slot != null) {
                freeSlots.push(slot);
            }
            if (r == Vk.ERROR_DEVICE_LOST) {
                device.markLost();
                hw.signal(FenceError.DEVICE_GONE);
                return hw.fence();
            }
            hw.signal(FenceError.BACKEND_FAILED); // keeps the ring's timeline in order; the job fails anyway
            throw new VulkanException("vkQueueSubmit on ring " + name, r);
        }
        // Registered only once on the queue, so that a dependent never waits for a value that
        // no submission will signal; it cannot be released before this (free comes after run).
        device.register(view.finished(), sub);
        nextValue = value;
        submittedJobs.increment();
        if (wasIdle) {
            device.wake();
        }
        return hw.fence();
    }

    /**
     * The jobs of other rings of this device that the job must wait for on the GPU: its
     * dependencies the scheduler let through unsignalled because {@link #waitsOnHardware} took
     * them. A job of this same ring needs no wait (the ring executes in order).
     */
    private List<Submission> gpuWaitsOf(JobView<VulkanJob> view) {
        List<Submission> waits = List.of();
        for (Fence d : view.dependencies()) {
            if (d.isSignaled()) {
                continue;
            }
            Submission s = device.submissionOf(d);
            if (s != null && s.ring != this && !s.gpuDone()) {
                if (waits.isEmpty()) {
                    waits = new ArrayList<>(2);
                }
                waits.add(s);
            }
        }
        return waits;
    }

    @Override
    public TimeoutVerdict timedOut(JobView<VulkanJob> view) {
        if (device.isLost()) {
            return TimeoutVerdict.DEVICE_GONE;
        }
        Submission s = view.payload().submission;
        if (s == null || s.gpuDone()) {
            return TimeoutVerdict.NO_HANG; // done: the completion thread is signalling it
        }
        long[] v = new long[1];
        int r = VK12.vkGetSemaphoreCounterValue(device.vkDevice(), semaphore, v);
        if (r == Vk.ERROR_DEVICE_LOST) {
            device.markLost();
            return TimeoutVerdict.DEVICE_GONE;
        }
        if (r == Vk.SUCCESS && v[0] >= s.value) {
            return TimeoutVerdict.NO_HANG;
        }
        timeouts.increment();
        if (onTimeout == TimeoutVerdict.RESET) {
            s.uncharge(); // the scheduler returns its credits now, though the GPU still runs it
        }
        return onTimeout;
    }

    /** Submitted work cannot be cancelled: see the class comment. */
    @Override
    public boolean cancel(JobView<VulkanJob> view) {
        return false;
    }

    @Override
    public void free(JobView<VulkanJob> view) {
        VulkanJob job = view.payload();
        Submission s = job.submission;
        if (s == null) {
            job.markIdle(FenceError.NONE); // never reached the GPU (killed, or its run failed)
            return;
        }
        s.uncharge();
        s.markFreed();
    }

    // ================================================================== recording and submitting

    private VkCommandBuffer allocateCommandBuffer() {
        try (MemoryStack stack = stackPush()) {
            VkCommandBufferAllocateInfo ai = VkCommandBufferAllocateInfo.calloc(stack).sType$Default()
                    .commandPool(commandPool).level(VK_COMMAND_BUFFER_LEVEL_PRIMARY).commandBufferCount(1);
            PointerBuffer pp = stack.mallocPointer(1);
            Vk.check(vkAllocateCommandBuffers(device.vkDevice(), ai, pp), "vkAllocateCommandBuffers");
            return new VkCommandBuffer(pp.get(0), device.vkDevice());
        }
    }

    /** The prologue or epilogue put around a caller's command buffer; submitted many times at once. */
    private void recordBarrierOnly(VkCommandBuffer cb, boolean toHost) {
        try (MemoryStack stack = stackPush()) {
            VkCommandBufferBeginInfo bi = VkCommandBufferBeginInfo.calloc(stack).sType$Default()
                    .flags(VK_COMMAND_BUFFER_USAGE_SIMULTANEOUS_USE_BIT);
            Vk.check(vkBeginCommandBuffer(cb, bi), "vkBeginCommandBuffer");
            if (toHost) {
                hostBarrier(cb, stack);
            } else {
                orderBarrier(cb, stack);
            }
            Vk.check(vkEndCommandBuffer(cb), "vkEndCommandBuffer");
        }
    }

    /** Everything earlier on the queue completes (and its writes are visible) before what follows starts. */
    private static void orderBarrier(VkCommandBuffer cb, MemoryStack stack) {
        VkMemoryBarrier.Buffer mb = VkMemoryBarrier.calloc(1, stack).sType$Default()
                .srcAccessMask(VK_ACCESS_MEMORY_WRITE_BIT).dstAccessMask(VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT);
        vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, 0, mb, null, null);
    }

    /** The job's writes become visible to the host once its semaphore value is observed. */
    private static void hostBarrier(VkCommandBuffer cb, MemoryStack stack) {
        VkMemoryBarrier.Buffer mb = VkMemoryBarrier.calloc(1, stack).sType$Default()
                .srcAccessMask(VK_ACCESS_MEMORY_WRITE_BIT).dstAccessMask(VK_ACCESS_HOST_READ_BIT);
        vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, mb, null, null);
    }

    private void record(Slot slot, VulkanJob job) {
        VkCommandBuffer cb = slot.cb;
        ComputeProgram p = job.program();
        try (MemoryStack stack = stackPush()) {
            VkCommandBufferBeginInfo bi = VkCommandBufferBeginInfo.calloc(stack).sType$Default()
                    .flags(VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT);
            Vk.check(vkBeginCommandBuffer(cb, bi), "vkBeginCommandBuffer");
            orderBarrier(cb, stack);
            if (slot.queryPool != VK_NULL_HANDLE) {
                vkCmdResetQueryPool(cb, slot.queryPool, slot.query, 2);
                vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, slot.queryPool, slot.query);
            }
            vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, p.pipeline());
            if (job.descriptorSet() != VK_NULL_HANDLE) {
                vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, p.layout(), 0,
                        stack.longs(job.descriptorSet()), null);
            }
            int[] push = job.pushData();
            if (push != null && push.length > 0) {
                vkCmdPushConstants(cb, p.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, push);
            }
            vkCmdDispatch(cb, job.groupsX(), job.groupsY(), job.groupsZ());
            if (slot.queryPool != VK_NULL_HANDLE) {
                vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, slot.queryPool, slot.query + 1);
            }
            hostBarrier(cb, stack);
            Vk.check(vkEndCommandBuffer(cb), "vkEndCommandBuffer");
        }
    }

    private int submit(Submission sub, Slot slot, VulkanJob job, List<Submission> waits) {
        try (MemoryStack stack = stackPush()) {
            int nw = 0;
            LongBuffer waitSems = null;
            LongBuffer waitValues = null;
            IntBuffer waitStages = null;
            List<GpuGate> gates = job.gates();
            if (!waits.isEmpty() || !gates.isEmpty()) {
                int max = waits.size() + gates.size();
                waitSems = stack.mallocLong(max);
                waitValues = stack.mallocLong(max);
                waitStages = stack.mallocInt(max);
                for (GpuGate g : gates) {
                    waitSems.put(nw, g.semaphore());
                    waitValues.put(nw, 1);
                    waitStages.put(nw, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT);
                    nw++;
                }
                int gateWaits = nw;
                for (Submission w : waits) {
                    if (w.gpuDone()) {
                        continue; // already passed: nothing to wait for
                    }
                    waitSems.put(nw, w.ring.semaphore);
                    waitValues.put(nw, w.value);
                    waitStages.put(nw, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT);
                    nw++;
                }
                waitSems.limit(nw);
                waitValues.limit(nw);
                waitStages.limit(nw);
                gpuWaitsAdded.add(nw - gateWaits);
            }
            PointerBuffer cbs;
            if (slot != null) {
                cbs = stack.pointers(slot.cb);
            } else {
                cbs = stack.pointers(prologue, job.commandBuffer(), epilogue);
            }
            VkTimelineSemaphoreSubmitInfo tsi = VkTimelineSemaphoreSubmitInfo.calloc(stack).sType$Default()
                    .waitSemaphoreValueCount(nw).pWaitSemaphoreValues(nw == 0 ? null : waitValues)
                    .signalSemaphoreValueCount(1).pSignalSemaphoreValues(stack.longs(sub.value));
            VkSubmitInfo si = VkSubmitInfo.calloc(stack).sType$Default().pNext(tsi)
                    .waitSemaphoreCount(nw).pWaitSemaphores(nw == 0 ? null : waitSems)
                    .pWaitDstStageMask(nw == 0 ? null : waitStages)
                    .pCommandBuffers(cbs).pSignalSemaphores(stack.longs(semaphore));
            synchronized (device.queueLock(queueIndex)) {
                return vkQueueSubmit(device.queue(queueIndex), si, VK_NULL_HANDLE);
            }
        }
    }

    private Slot takeSlot() {
        Slot s = freeSlots.poll();
        if (s != null) {
            return s;
        }
        long pool = VK_NULL_HANDLE;
        int query = 0;
        if (timestamps) {
            int k = slotCount % SLOTS_PER_POOL;
            if (k == 0) {
                queryPools.add(createQueryPool());
            }
            pool = queryPools.get(queryPools.size() - 1);
            query = 2 * k;
        }
        slotCount++;
        return new Slot(allocateCommandBuffer(), pool, query);
    }

    private long createQueryPool() {
        try (MemoryStack stack = stackPush()) {
            VkQueryPoolCreateInfo qi = VkQueryPoolCreateInfo.calloc(stack).sType$Default()
                    .queryType(VK_QUERY_TYPE_TIMESTAMP).queryCount(2 * SLOTS_PER_POOL);
            LongBuffer lp = stack.mallocLong(1);
            Vk.check(vkCreateQueryPool(device.vkDevice(), qi, null, lp), "vkCreateQueryPool");
            return lp.get(0);
        }
    }

    private void reclaimSlots() {
        Slot s;
        while ((s = reclaimed.poll()) != null) {
            freeSlots.push(s);
        }
    }

    // ================================================================== completion (completion thread)

    /** The value the completion thread should wait for, or 0 if nothing is on the GPU. */
    long oldestPendingValue() {
        synchronized (lock) {
            Submission s = pending.peekFirst();
            return s == null ? 0 : s.value;
        }
    }

    /** The semaphore reached {@code counter}: signals the jobs up to it, in value order. */
    void complete(long counter) {
        synchronized (completeLock) {
            long now = System.nanoTime();
            for (;;) {
                Submission s;
                synchronized (lock) {
                    s = pending.peekFirst();
                    if (s == null || s.value > counter) {
                        return;
                    }
                    pending.pollFirst();
                }
                finishOne(s, FenceError.NONE, now);
            }
        }
    }

    /** The device is lost: every job on the ring ends with DEVICE_GONE. */
    void failAll() {
        synchronized (completeLock) {
            long now = System.nanoTime();
            for (;;) {
                Submission s;
                synchronized (lock) {
                    s = pending.pollFirst();
                }
                if (s == null) {
                    return;
                }
                finishOne(s, FenceError.DEVICE_GONE, now);
            }
        }
    }

    private void finishOne(Submission s, FenceError error, long now) {
        VulkanJob job = s.job;
        job.hostDoneNanos = now;
        if (!error.isError() && s.slot != null && s.slot.queryPool != VK_NULL_HANDLE) {
            readTimestamps(s.slot, job, now);
        }
        completedJobs.increment();
        s.uncharge(); // before the hardware fence: the scheduler may run the next job as soon as it signals
        job.runGpuDoneHook();
        s.hw.signal(error);
        job.markIdle(error);
        s.markGpuDone();
    }

    private void readTimestamps(Slot slot, VulkanJob job, long now) {
        long[] t = new long[2];
        int r = vkGetQueryPoolResults(device.vkDevice(), slot.queryPool, slot.query, 2, t, 8, VK_QUERY_RESULT_64_BIT);
        if (r != Vk.SUCCESS) {
            return;
        }
        long mask = device.timestampMask();
        long t0 = t[0] & mask;
        long t1 = t[1] & mask;
        long d = device.ticksToNanos((t1 - t0) & mask);
        job.gpuNanos = d;
        long start = device.ticksToHostNanos(t0);
        if (start >= 0) {
            job.gpuStartNanos = start;
            job.gpuEndNanos = start + d;
        } else {
            job.gpuEndNanos = now; // no calibration: the end as the host saw it
            job.gpuStartNanos = now - d;
        }
    }

    // ================================================================== teardown

    /**
     * Closes the ring once its scheduler is closed: waits (up to 30 s) for the GPU to finish
     * what was submitted, signals what is left, and releases its command buffers and query
     * pools. Its semaphore lives until the device closes. Idempotent.
     *
     * @throws IllegalStateException if the GPU did not finish within 30 s (nothing is released)
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        long last = nextValue;
        if (last > 0 && !device.isLost()) {
            try (MemoryStack stack = stackPush()) {
                VkSemaphoreWaitInfo wi = VkSemaphoreWaitInfo.calloc(stack).sType$Default().semaphoreCount(1)
                        .pSemaphores(stack.longs(semaphore)).pValues(stack.longs(last));
                int r = VK12.vkWaitSemaphores(device.vkDevice(), wi, 30_000_000_000L);
                if (r == Vk.ERROR_DEVICE_LOST) {
                    device.markLost();
                } else if (r != Vk.SUCCESS) {
                    throw new IllegalStateException("ring " + name + ": the GPU did not finish its jobs within 30 s ("
                            + Vk.resultName(r) + "); its resources are kept");
                }
            }
        }
        if (device.isLost()) {
            failAll();
        } else {
            complete(last);
        }
        device.removeRing(this);
        synchronized (completeLock) { // the completion thread is not inside complete() for this ring any more
            vkDestroyCommandPool(device.vkDevice(), commandPool, null);
            for (long q : queryPools) {
                vkDestroyQueryPool(device.vkDevice(), q, null);
            }
        }
        device.retireSemaphore(semaphore);
    }

    @Override
    public String toString() {
        return "VulkanRing[" + name + " queue " + queueIndex + " depth " + depth + "]";
    }

    // ================================================================== records

    /** A command buffer of the ring's pool, with its two timestamp queries if the ring writes timestamps. */
    private record Slot(VkCommandBuffer cb, long queryPool, int query) {
    }

    /**
     * One job on the GPU. Its command buffer goes back to the ring when both the GPU and the
     * scheduler are done with it, whichever comes last.
     */
    static final class Submission {
        private static final int GPU_DONE = 1;
        private static final int FREED = 2;

        final VulkanRing ring;
        final long value;
        final FenceSource hw;
        final VulkanJob job;
        private final Slot slot;
        private final Fence finished;
        private final int credits;
        private final AtomicInteger state = new AtomicInteger();
        private final AtomicBoolean uncharged = new AtomicBoolean();

        Submission(VulkanRing ring, long value, FenceSource hw, VulkanJob job, Slot slot, Fence finished, int credits) {
            this.ring = ring;
            this.credits = credits;
            this.value = value;
            this.hw = hw;
            this.job = job;
            this.slot = slot;
            this.finished = finished;
        }

        /** It no longer counts against the ring's depth; once, whichever path comes first. */
        void uncharge() {
            if (uncharged.compareAndSet(false, true)) {
                ring.chargedCredits.addAndGet(-credits);
            }
        }

        boolean gpuDone() {
            return (state.get() & GPU_DONE) != 0;
        }

        void markGpuDone() {
            if (state.getAndUpdate(s -> s | GPU_DONE) == FREED) {
                release();
            }
        }

        void markFreed() {
            if (state.getAndUpdate(s -> s | FREED) == GPU_DONE) {
                release();
            }
        }

        private void release() {
            ring.device.unregister(finished, this);
            if (slot != null) {
                ring.reclaimed.add(slot);
            }
        }
    }
}
