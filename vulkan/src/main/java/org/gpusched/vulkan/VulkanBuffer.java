package org.gpusched.vulkan;

import static org.lwjgl.system.MemoryStack.stackPush;
import static org.lwjgl.vulkan.VK10.*;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;
import org.lwjgl.vulkan.VkBufferCreateInfo;
import org.lwjgl.vulkan.VkMemoryAllocateInfo;
import org.lwjgl.vulkan.VkMemoryRequirements;

/**
 * A storage buffer in host-visible, host-coherent memory, mapped for its whole life: the host
 * reads what the GPU wrote once the job's hardware fence (or {@link VulkanJob#gpuIdle()}) has
 * signalled. Zero-filled at creation. Close it after the GPU is done with it; the device closes
 * the ones left open.
 */
public final class VulkanBuffer implements AutoCloseable {

    private final VulkanDevice device;
    private final long size;
    private final long buffer;
    private final long memory;
    private final ByteBuffer mapped;
    private boolean closed;

    VulkanBuffer(VulkanDevice device, long size) {
        if (size <= 0 || size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("buffer size must be in 1.." + Integer.MAX_VALUE + ", got " + size);
        }
        this.device = device;
        this.size = size;
        try (MemoryStack stack = stackPush()) {
            VkBufferCreateInfo bi = VkBufferCreateInfo.calloc(stack).sType$Default().size(size)
                    .usage(VK_BUFFER_USAGE_STORAGE_BUFFER_BIT).sharingMode(VK_SHARING_MODE_EXCLUSIVE);
            LongBuffer lp = stack.mallocLong(1);
            Vk.check(vkCreateBuffer(device.vkDevice(), bi, null, lp), "vkCreateBuffer");
            this.buffer = lp.get(0);
            VkMemoryRequirements req = VkMemoryRequirements.calloc(stack);
            vkGetBufferMemoryRequirements(device.vkDevice(), buffer, req);
            int type = device.hostVisibleMemoryType();
            if ((req.memoryTypeBits() & (1 << type)) == 0) {
                vkDestroyBuffer(device.vkDevice(), buffer, null);
                throw new VulkanException("storage buffers in host-visible memory", -2);
            }
            VkMemoryAllocateInfo ai = VkMemoryAllocateInfo.calloc(stack).sType$Default()
                    .allocationSize(req.size()).memoryTypeIndex(type);
            int r = vkAllocateMemory(device.vkDevice(), ai, null, lp);
            if (r != Vk.SUCCESS) {
                vkDestroyBuffer(device.vkDevice(), buffer, null);
                throw new VulkanException("vkAllocateMemory", r);
            }
            this.memory = lp.get(0);
            Vk.check(vkBindBufferMemory(device.vkDevice(), buffer, memory, 0), "vkBindBufferMemory");
            PointerBuffer pp = stack.mallocPointer(1);
            Vk.check(vkMapMemory(device.vkDevice(), memory, 0, size, 0, pp), "vkMapMemory");
            this.mapped = MemoryUtil.memByteBuffer(pp.get(0), (int) size);
            MemoryUtil.memSet(mapped, 0);
        }
    }

    /** Size in bytes. */
    public long size() {
        return size;
    }

    /** The Vulkan buffer handle. */
    public long handle() {
        return buffer;
    }

    /** The mapped contents (native byte order), shared with the GPU. */
    public ByteBuffer bytes() {
        return mapped.duplicate().order(java.nio.ByteOrder.nativeOrder());
    }

    /** The mapped contents as 32-bit words. */
    public IntBuffer ints() {
        return bytes().asIntBuffer();
    }

    /** Zero-fills the buffer (while the GPU does not use it). */
    public void clear() {
        MemoryUtil.memSet(mapped, 0);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        device.disown(this);
        vkUnmapMemory(device.vkDevice(), memory);
        vkDestroyBuffer(device.vkDevice(), buffer, null);
        vkFreeMemory(device.vkDevice(), memory, null);
    }
}
