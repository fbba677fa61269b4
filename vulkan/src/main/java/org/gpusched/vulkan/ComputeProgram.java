package org.gpusched.vulkan;

import static org.lwjgl.system.MemoryStack.stackPush;
import static org.lwjgl.vulkan.VK10.*;

import java.nio.ByteBuffer;
import java.nio.LongBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;
import org.lwjgl.vulkan.VkComputePipelineCreateInfo;
import org.lwjgl.vulkan.VkDescriptorBufferInfo;
import org.lwjgl.vulkan.VkDescriptorPoolCreateInfo;
import org.lwjgl.vulkan.VkDescriptorPoolSize;
import org.lwjgl.vulkan.VkDescriptorSetAllocateInfo;
import org.lwjgl.vulkan.VkDescriptorSetLayoutBinding;
import org.lwjgl.vulkan.VkDescriptorSetLayoutCreateInfo;
import org.lwjgl.vulkan.VkPipelineLayoutCreateInfo;
import org.lwjgl.vulkan.VkPushConstantRange;
import org.lwjgl.vulkan.VkShaderModuleCreateInfo;
import org.lwjgl.vulkan.VkWriteDescriptorSet;

/**
 * A compute pipeline (entry point {@code main}) whose set 0 holds storage buffers at bindings
 * 0..n-1, with its layout and a descriptor pool to {@link #bind bind} buffers. The jobs that use
 * it ({@link VulkanJob#dispatch}) need it alive until they are GPU-idle; the device closes the
 * programs left open. Thread-safe.
 */
public final class ComputeProgram implements AutoCloseable {

    private static final int MAX_SETS = 256;

    private final VulkanDevice device;
    private final String name;
    private final int storageBuffers;
    private final int pushConstantBytes;
    private final long setLayout;
    private final long layout;
    private final long pipeline;
    private final long descriptorPool;
    private boolean closed;

    ComputeProgram(VulkanDevice device, String name, ByteBuffer spirv, int storageBuffers, int pushConstantBytes) {
        if (storageBuffers < 0 || pushConstantBytes < 0 || pushConstantBytes % 4 != 0) {
            throw new IllegalArgumentException("storage buffers >= 0 and push constant bytes a multiple of 4, got "
                    + storageBuffers + ", " + pushConstantBytes);
        }
        this.device = device;
        this.name = name;
        this.storageBuffers = storageBuffers;
        this.pushConstantBytes = pushConstantBytes;
        var dev = device.vkDevice();
        try (MemoryStack stack = stackPush()) {
            LongBuffer lp = stack.mallocLong(1);
            VkDescriptorSetLayoutBinding.Buffer bindings = VkDescriptorSetLayoutBinding.calloc(storageBuffers, stack);
            for (int i = 0; i < storageBuffers; i++) {
                bindings.get(i).binding(i).descriptorType(VK_DESCRIPTOR_TYPE_STORAGE_BUFFER).descriptorCount(1)
                        .stageFlags(VK_SHADER_STAGE_COMPUTE_BIT);
            }
            Vk.check(vkCreateDescriptorSetLayout(dev, VkDescriptorSetLayoutCreateInfo.calloc(stack).sType$Default()
                    .pBindings(bindings), null, lp), "vkCreateDescriptorSetLayout");
            this.setLayout = lp.get(0);
            VkPipelineLayoutCreateInfo pli = VkPipelineLayoutCreateInfo.calloc(stack).sType$Default()
                    .pSetLayouts(stack.longs(setLayout));
            if (pushConstantBytes > 0) {
                pli.pPushConstantRanges(VkPushConstantRange.calloc(1, stack).stageFlags(VK_SHADER_STAGE_COMPUTE_BIT)
                        .offset(0).size(pushConstantBytes));
            }
            Vk.check(vkCreatePipelineLayout(dev, pli, null, lp), "vkCreatePipelineLayout");
            this.layout = lp.get(0);
            ByteBuffer code = MemoryUtil.memAlloc(spirv.remaining());
            long module;
            try {
                code.put(spirv.duplicate()).flip();
                Vk.check(vkCreateShaderModule(dev, VkShaderModuleCreateInfo.calloc(stack).sType$Default().pCode(code),
                        null, lp), "vkCreateShaderModule(" + name + ")");
                module = lp.get(0);
            } finally {
                MemoryUtil.memFree(code);
            }
            try {
                VkComputePipelineCreateInfo.Buffer ci = VkComputePipelineCreateInfo.calloc(1, stack);
                ci.get(0).sType$Default().layout(layout).stage(s -> s.sType$Default()
                        .stage(VK_SHADER_STAGE_COMPUTE_BIT).module(module).pName(stack.UTF8("main")));
                Vk.check(vkCreateComputePipelines(dev, VK_NULL_HANDLE, ci, null, lp), "vkCreateComputePipelines(" + name + ")");
                this.pipeline = lp.get(0);
            } finally {
                vkDestroyShaderModule(dev, module, null);
            }
            VkDescriptorPoolSize.Buffer sizes = VkDescriptorPoolSize.calloc(1, stack);
            sizes.get(0).type(VK_DESCRIPTOR_TYPE_STORAGE_BUFFER).descriptorCount(Math.max(1, storageBuffers) * MAX_SETS);
            Vk.check(vkCreateDescriptorPool(dev, VkDescriptorPoolCreateInfo.calloc(stack).sType$Default()
                    .flags(VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT).maxSets(MAX_SETS).pPoolSizes(sizes),
                    null, lp), "vkCreateDescriptorPool");
            this.descriptorPool = lp.get(0);
        }
    }

    /** The name it was created with. */
    public String name() {
        return name;
    }

    /** Bytes of push constants it takes. */
    public int pushConstantBytes() {
        return pushConstantBytes;
    }

    /**
     * A descriptor set with {@code buffers} bound at bindings 0..n-1 (at most 256 sets per
     * program), for {@link VulkanJob#dispatch}. It lives as long as the program.
     */
    public synchronized long bind(VulkanBuffer... buffers) {
        if (buffers.length != storageBuffers) {
            throw new IllegalArgumentException("program " + name + " takes " + storageBuffers + " buffers, got " + buffers.length);
        }
        var dev = device.vkDevice();
        try (MemoryStack stack = stackPush()) {
            LongBuffer lp = stack.mallocLong(1);
            Vk.check(vkAllocateDescriptorSets(dev, VkDescriptorSetAllocateInfo.calloc(stack).sType$Default()
                    .descriptorPool(descriptorPool).pSetLayouts(stack.longs(setLayout)), lp), "vkAllocateDescriptorSets");
            long set = lp.get(0);
            if (buffers.length > 0) {
                VkWriteDescriptorSet.Buffer writes = VkWriteDescriptorSet.calloc(buffers.length, stack);
                for (int i = 0; i < buffers.length; i++) {
                    VkDescriptorBufferInfo.Buffer info = VkDescriptorBufferInfo.calloc(1, stack)
                            .buffer(buffers[i].handle()).offset(0).range(VK_WHOLE_SIZE);
                    writes.get(i).sType$Default().dstSet(set).dstBinding(i).descriptorCount(1)
                            .descriptorType(VK_DESCRIPTOR_TYPE_STORAGE_BUFFER).pBufferInfo(info);
                }
                vkUpdateDescriptorSets(dev, writes, null);
            }
            return set;
        }
    }

    /** A job dispatching {@code x * y * z} groups of this program with {@code set} bound. */
    public VulkanJob dispatch(long set, int x, int y, int z) {
        return VulkanJob.dispatch(this, set, x, y, z);
    }

    long pipeline() {
        return pipeline;
    }

    long layout() {
        return layout;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        device.disown(this);
        var dev = device.vkDevice();
        vkDestroyDescriptorPool(dev, descriptorPool, null);
        vkDestroyPipeline(dev, pipeline, null);
        vkDestroyPipelineLayout(dev, layout, null);
        vkDestroyDescriptorSetLayout(dev, setLayout, null);
    }

    @Override
    public String toString() {
        return "ComputeProgram[" + name + "]";
    }
}
