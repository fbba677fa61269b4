package org.gpusched.vulkan;

import static org.lwjgl.system.MemoryStack.stackPush;
import static org.lwjgl.vulkan.VK10.*;

import java.nio.LongBuffer;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.vulkan.VkCommandBuffer;
import org.lwjgl.vulkan.VkCommandBufferAllocateInfo;
import org.lwjgl.vulkan.VkCommandBufferBeginInfo;
import org.lwjgl.vulkan.VkCommandPoolCreateInfo;

/** A command buffer recorded by the caller (not by the ring): one dispatch of a program. */
final class RecordedDispatch implements AutoCloseable {

    private final VulkanDevice dev;
    private final long pool;
    private final VkCommandBuffer cb;

    RecordedDispatch(VulkanDevice dev, ComputeProgram program, long set, int[] push) {
        this.dev = dev;
        try (MemoryStack stack = stackPush()) {
            LongBuffer lp = stack.mallocLong(1);
            Vk.check(vkCreateCommandPool(dev.vkDevice(), VkCommandPoolCreateInfo.calloc(stack).sType$Default()
                    .queueFamilyIndex(dev.queueFamily()), null, lp), "vkCreateCommandPool");
            pool = lp.get(0);
            PointerBuffer pp = stack.mallocPointer(1);
            Vk.check(vkAllocateCommandBuffers(dev.vkDevice(), VkCommandBufferAllocateInfo.calloc(stack).sType$Default()
                    .commandPool(pool).level(VK_COMMAND_BUFFER_LEVEL_PRIMARY).commandBufferCount(1), pp),
                    "vkAllocateCommandBuffers");
            cb = new VkCommandBuffer(pp.get(0), dev.vkDevice());
            Vk.check(vkBeginCommandBuffer(cb, VkCommandBufferBeginInfo.calloc(stack).sType$Default()), "vkBeginCommandBuffer");
            vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, program.pipeline());
            vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, program.layout(), 0, stack.longs(set), null);
            vkCmdPushConstants(cb, program.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, push);
            vkCmdDispatch(cb, 1, 1, 1);
            Vk.check(vkEndCommandBuffer(cb), "vkEndCommandBuffer");
        }
    }

    VkCommandBuffer commandBuffer() {
        return cb;
    }

    @Override
    public void close() {
        vkDestroyCommandPool(dev.vkDevice(), pool, null);
    }
}
