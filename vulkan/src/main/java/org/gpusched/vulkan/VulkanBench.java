package org.gpusched.vulkan;

import static org.lwjgl.system.MemoryStack.stackPush;
import static org.lwjgl.vulkan.VK10.*;

import java.time.Duration;
import java.util.Locale;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobBuilder;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.vulkan.VK12;
import org.lwjgl.vulkan.VkCommandBuffer;
import org.lwjgl.vulkan.VkCommandBufferAllocateInfo;
import org.lwjgl.vulkan.VkCommandBufferBeginInfo;
import org.lwjgl.vulkan.VkCommandPoolCreateInfo;
import org.lwjgl.vulkan.VkMemoryBarrier;
import org.lwjgl.vulkan.VkSemaphoreWaitInfo;
import org.lwjgl.vulkan.VkSubmitInfo;
import org.lwjgl.vulkan.VkTimelineSemaphoreSubmitInfo;

/**
 * What gpusched costs on top of Vulkan, for tiny dispatches of the {@code add} shader, all in
 * one run on one device ({@code java ... VulkanBench [jobs] [device]}):
 * <ol>
 *   <li>pipelined: N jobs with up to 4 on the queue; a raw loop (record, {@code vkQueueSubmit}
 *       with a timeline semaphore signal, wait when 4 are out) against one scheduler on a
 *       {@link VulkanRing} of depth 4 (submit all, await the last finished fence);</li>
 *   <li>round trip: submit one job and wait for it, N/4 times, raw against gpusched;</li>
 *   <li>dependencies: a chain of jobs alternating between two rings, each depending on the
 *       previous one ({@code dependsOn}), on rings built with
 *       {@link VulkanRing.Builder#gpuDependencies(boolean) gpuDependencies(false)} (the CPU
 *       waits for each finished fence) against the default (a semaphore wait in the
 *       submission).</li>
 * </ol>
 * Each figure is the best of three rounds, gpusched and raw alternating, so that both see the
 * same machine. Prints Markdown table rows. Exit status 3, with one line on standard error, if
 * Vulkan is unavailable (as {@link VulkanInfo}).
 */
public final class VulkanBench {

    private static final int DEPTH = 4;
    private static final int ROUNDS = 3;

    private final VulkanDevice dev;
    private final ComputeProgram add;
    private final JobLog log;
    private final long set;

    private VulkanBench(VulkanDevice dev) {
        this.dev = dev;
        this.add = dev.builtin("add");
        this.log = new JobLog(dev, 1);
        this.set = add.bind(log.buffer());
    }

    /** Runs the benchmark: {@code [jobs (default 4000)] [device]}; exit status 3 without Vulkan. */
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 4000;
        VulkanDevice opened;
        try {
            opened = VulkanDevice.open(args.length > 1 ? args[1] : null);
        } catch (VulkanUnavailableException e) {
            System.err.println("vulkan unavailable: " + e.getMessage());
            System.exit(3);
            return;
        }
        try (VulkanDevice dev = opened) {
            VulkanBench b = new VulkanBench(dev);
            System.out.println("device: " + dev.describe());
            System.out.println("jobs: " + n + " tiny dispatches (add.comp, 1 invocation) per measurement, best of "
                    + ROUNDS + " rounds");
            b.raw(200, DEPTH); // warm-up: shader compilation, JIT
            b.sched(200, DEPTH);
            double rawPipe = Double.MAX_VALUE;
            double gsPipe = Double.MAX_VALUE;
            double rawSync = Double.MAX_VALUE;
            double gsSync = Double.MAX_VALUE;
            double cpuDep = Double.MAX_VALUE;
            double gpuDep = Double.MAX_VALUE;
            for (int r = 0; r < ROUNDS; r++) {
                rawPipe = Math.min(rawPipe, b.raw(n, DEPTH));
                gsPipe = Math.min(gsPipe, b.sched(n, DEPTH));
                rawSync = Math.min(rawSync, b.raw(n / 4, 1));
                gsSync = Math.min(gsSync, b.schedSync(n / 4));
                cpuDep = Math.min(cpuDep, b.chain(n / 4, false));
                gpuDep = Math.min(gpuDep, b.chain(n / 4, true));
            }
            System.out.println();
            System.out.println("| measurement | raw Vulkan (us/job) | gpusched (us/job) | ratio | overhead (us/job) |");
            System.out.println("|---|---:|---:|---:|---:|");
            row("pipelined, 4 on the queue", rawPipe, gsPipe);
            row("submit and wait, one at a time", rawSync, gsSync);
            System.out.println();
            System.out.println("| dependency chain across two rings | us/job |");
            System.out.println("|---|---:|");
            System.out.printf(Locale.ROOT, "| gpuDependencies(false): the CPU waits for each finished fence | %.1f |%n",
                    cpuDep / 1000);
            System.out.printf(Locale.ROOT, "| gpuDependencies(true): a semaphore wait in the submission | %.1f |%n",
                    gpuDep / 1000);
            System.out.printf(Locale.ROOT, "| CPU path / GPU path | %.2fx |%n", cpuDep / gpuDep);
            b.log.close();
        }
    }

    private static void row(String what, double raw, double gs) {
        System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.2fx | %.1f |%n", what, raw / 1000, gs / 1000, gs / raw,
                (gs - raw) / 1000);
    }

    // ------------------------------------------------------------------ raw Vulkan

    /** ns per job for {@code n} jobs with up to {@code depth} on the queue, without gpusched. */
    private double raw(int n, int depth) {
        var d = dev.vkDevice();
        long sem = dev.createTimelineSemaphore();
        long pool;
        VkCommandBuffer[] cbs = new VkCommandBuffer[depth];
        try (MemoryStack stack = stackPush()) {
            var lp = stack.mallocLong(1);
            Vk.check(vkCreateCommandPool(d, VkCommandPoolCreateInfo.calloc(stack).sType$Default()
                    .flags(VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT).queueFamilyIndex(dev.queueFamily()), null, lp),
                    "vkCreateCommandPool");
            pool = lp.get(0);
            PointerBuffer pp = stack.mallocPointer(depth);
            Vk.check(vkAllocateCommandBuffers(d, VkCommandBufferAllocateInfo.calloc(stack).sType$Default()
                    .commandPool(pool).level(VK_COMMAND_BUFFER_LEVEL_PRIMARY).commandBufferCount(depth), pp),
                    "vkAllocateCommandBuffers");
            for (int i = 0; i < depth; i++) {
                cbs[i] = new VkCommandBuffer(pp.get(i), d);
            }
        }
        long t0 = System.nanoTime();
        for (int v = 1; v <= n; v++) {
            if (v > depth) {
                waitValue(sem, v - depth); // the command buffer of job v - depth is free again
            }
            VkCommandBuffer cb = cbs[v % depth];
            try (MemoryStack stack = stackPush()) {
                Vk.check(vkBeginCommandBuffer(cb, VkCommandBufferBeginInfo.calloc(stack).sType$Default()
                        .flags(VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT)), "vkBeginCommandBuffer");
                barrier(cb, stack, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT);
                vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, add.pipeline());
                vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, add.layout(), 0, stack.longs(set), null);
                vkCmdPushConstants(cb, add.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, new int[] {1, v, 0});
                vkCmdDispatch(cb, 1, 1, 1);
                barrier(cb, stack, VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
                Vk.check(vkEndCommandBuffer(cb), "vkEndCommandBuffer");
                VkTimelineSemaphoreSubmitInfo tsi = VkTimelineSemaphoreSubmitInfo.calloc(stack).sType$Default()
                        .signalSemaphoreValueCount(1).pSignalSemaphoreValues(stack.longs(v));
                VkSubmitInfo si = VkSubmitInfo.calloc(stack).sType$Default().pNext(tsi).pCommandBuffers(stack.pointers(cb))
                        .pSignalSemaphores(stack.longs(sem));
                synchronized (dev.queueLock(0)) {
                    Vk.check(vkQueueSubmit(dev.queue(0), si, VK_NULL_HANDLE), "vkQueueSubmit");
                }
            }
        }
        waitValue(sem, n);
        long t = System.nanoTime() - t0;
        vkDestroyCommandPool(d, pool, null);
        dev.retireSemaphore(sem);
        return (double) t / n;
    }

    private static void barrier(VkCommandBuffer cb, MemoryStack stack, int dstStage, int dstAccess) {
        VkMemoryBarrier.Buffer mb = VkMemoryBarrier.calloc(1, stack).sType$Default()
                .srcAccessMask(VK_ACCESS_MEMORY_WRITE_BIT).dstAccessMask(dstAccess);
        vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, dstStage, 0, mb, null, null);
    }

    private void waitValue(long sem, long value) {
        try (MemoryStack stack = stackPush()) {
            Vk.check(VK12.vkWaitSemaphores(dev.vkDevice(), VkSemaphoreWaitInfo.calloc(stack).sType$Default()
                    .semaphoreCount(1).pSemaphores(stack.longs(sem)).pValues(stack.longs(value)), 60_000_000_000L),
                    "vkWaitSemaphores");
        }
    }

    // ------------------------------------------------------------------ gpusched

    /** ns per job for {@code n} jobs through a scheduler with credit limit {@code depth}. */
    private double sched(int n, int depth) throws InterruptedException {
        try (VulkanRing ring = dev.ring("bench").depth(depth).build()) {
            try (Scheduler<VulkanJob> s = ring.schedulerBuilder().build()) {
                Entity<VulkanJob> e = s.newEntity("bench", Priority.NORMAL);
                long t0 = System.nanoTime();
                SubmittedJob<VulkanJob> last = null;
                for (int v = 1; v <= n; v++) {
                    last = e.job(add.dispatch(set, 1, 1, 1).pushConstants(1, v, 0)).submit();
                }
                await(last.finished());
                return (double) (System.nanoTime() - t0) / n;
            }
        }
    }

    /** ns per job for submit-and-wait, one job at a time, through a scheduler. */
    private double schedSync(int n) throws InterruptedException {
        try (VulkanRing ring = dev.ring("bench-sync").depth(1).build()) {
            try (Scheduler<VulkanJob> s = ring.schedulerBuilder().build()) {
                Entity<VulkanJob> e = s.newEntity("bench", Priority.NORMAL);
                long t0 = System.nanoTime();
                for (int v = 1; v <= n; v++) {
                    await(e.job(add.dispatch(set, 1, 1, 1).pushConstants(1, v, 0)).submit().finished());
                }
                return (double) (System.nanoTime() - t0) / n;
            }
        }
    }

    /** ns per job for a chain alternating between two rings, each job depending on the previous one. */
    private double chain(int n, boolean onGpu) throws InterruptedException {
        try (VulkanRing ra = dev.ring("chain-a").depth(DEPTH).gpuDependencies(onGpu).build();
             VulkanRing rb = dev.ring("chain-b").queue(Math.min(1, dev.queueCount() - 1)).depth(DEPTH)
                     .gpuDependencies(onGpu).build()) {
            try (Scheduler<VulkanJob> sa = ra.schedulerBuilder().build(); Scheduler<VulkanJob> sb = rb.schedulerBuilder().build()) {
                Entity<VulkanJob> ea = sa.newEntity("a", Priority.NORMAL);
                Entity<VulkanJob> eb = sb.newEntity("b", Priority.NORMAL);
                long t0 = System.nanoTime();
                Fence prev = null;
                for (int v = 1; v <= n; v++) {
                    VulkanJob job = add.dispatch(set, 1, 1, 1).pushConstants(1, v, 0);
                    JobBuilder<VulkanJob> b = (v % 2 == 0 ? eb : ea).job(job);
                    if (prev != null) {
                        b.dependsOn(prev);
                    }
                    prev = b.submit().finished();
                }
                await(prev);
                return (double) (System.nanoTime() - t0) / n;
            }
        }
    }

    private static void await(Fence f) throws InterruptedException {
        if (!f.await(Duration.ofSeconds(120)) || f.error() != FenceError.NONE) {
            throw new IllegalStateException("benchmark job did not complete: " + f);
        }
    }
}
