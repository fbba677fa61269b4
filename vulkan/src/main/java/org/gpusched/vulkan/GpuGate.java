package org.gpusched.vulkan;

import static org.lwjgl.system.MemoryStack.stackPush;

import org.lwjgl.system.MemoryStack;
import org.lwjgl.vulkan.VK12;
import org.lwjgl.vulkan.VkSemaphoreSignalInfo;

/**
 * A gate on the GPU that the host opens: a job made to {@link VulkanJob#waitForGate wait for it}
 * is submitted as usual but does not start on the GPU until {@link #open()} (a timeline
 * semaphore that only the host signals). For holding GPU work until something outside Vulkan
 * is ready, and for tests that need a job to stay on the GPU until they say so. Jobs behind a
 * closed gate still occupy their ring (and, on an in-order ring, hold the jobs after them).
 * Closing a gate opens it, so that nothing waits for it forever (declare it last in a
 * try-with-resources block so that it opens before the rings close). Thread-safe; its semaphore
 * lives as long as the device.
 */
public final class GpuGate implements AutoCloseable {

    private final VulkanDevice device;
    private final long semaphore;
    private volatile boolean open;

    GpuGate(VulkanDevice device) {
        this.device = device;
        this.semaphore = device.createTimelineSemaphore();
        device.retireSemaphore(semaphore); // destroyed with the device, never earlier
    }

    /** Opens the gate: the jobs waiting for it start. Idempotent. */
    public synchronized void open() {
        if (open) {
            return;
        }
        try (MemoryStack stack = stackPush()) {
            Vk.check(VK12.vkSignalSemaphore(device.vkDevice(),
                    VkSemaphoreSignalInfo.calloc(stack).sType$Default().semaphore(semaphore).value(1)), "vkSignalSemaphore");
        }
        open = true;
    }

    /** Opens the gate (see the class comment). */
    @Override
    public void close() {
        open();
    }

    /** True once opened. */
    public boolean isOpen() {
        return open;
    }

    long semaphore() {
        return semaphore;
    }
}
