package org.gpusched.vulkan;

/**
 * Prints the machine's Vulkan devices and their queue families ({@code java ... VulkanInfo}),
 * or why Vulkan cannot be used (exit status 3).
 */
public final class VulkanInfo {

    private VulkanInfo() {
    }

    /** Lists the devices; exit status 3 if Vulkan is unavailable. */
    public static void main(String[] args) {
        try {
            for (DeviceInfo d : VulkanDevice.list()) {
                System.out.println(d.describe());
            }
        } catch (VulkanUnavailableException e) {
            System.err.println("vulkan unavailable: " + e.getMessage());
            System.exit(3);
        }
    }
}
