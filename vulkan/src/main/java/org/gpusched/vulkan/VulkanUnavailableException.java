package org.gpusched.vulkan;

/**
 * Vulkan cannot be used on this machine: the loader ({@code libvulkan.so.1}) is missing, no
 * driver (ICD) is installed, or no device can run the backend (it needs Vulkan 1.2 timeline
 * semaphores and a compute queue). The message says which, and what to install.
 */
public final class VulkanUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message for people. */
    public VulkanUnavailableException(String message) {
        super(message);
    }

    /** Creates the exception with a message for people and the underlying cause. */
    public VulkanUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
