package org.gpusched.vulkan;

/**
 * A Vulkan call failed with a {@code VkResult} error code.
 */
public class VulkanException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int result;

    /** Creates the exception for {@code what} failing with {@code result}. */
    public VulkanException(String what, int result) {
        super(what + " failed: " + Vk.resultName(result) + " (" + result + ")");
        this.result = result;
    }

    /** The {@code VkResult} the call returned (negative). */
    public int result() {
        return result;
    }

    /** True if the device was lost ({@code VK_ERROR_DEVICE_LOST}). */
    public boolean isDeviceLost() {
        return result == Vk.ERROR_DEVICE_LOST;
    }
}
