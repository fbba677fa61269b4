package org.gpusched.vulkan;

import org.lwjgl.system.Configuration;
import org.lwjgl.vulkan.VK;

/**
 * Loading LWJGL's Vulkan bindings and reading {@code VkResult} codes. Package-private plumbing.
 */
final class Vk {

    static final int SUCCESS = 0;
    static final int TIMEOUT = 2;
    static final int ERROR_DEVICE_LOST = -4;
    static final int ERROR_INCOMPATIBLE_DRIVER = -9;

    private static final Object LOCK = new Object();
    private static boolean loaded;

    private Vk() {
    }

    /**
     * Loads the system's Vulkan loader once per process.
     *
     * @throws VulkanUnavailableException if the loader library is missing
     */
    static void load() {
        synchronized (LOCK) {
            if (loaded) {
                return;
            }
            // LWJGL's own default would print warnings about sun.misc.Unsafe on JDK 25; the FFM
            // backend needs none (only set when the user chose nothing).
            if (System.getProperty("org.lwjgl.system.memoryBackend") == null) {
                System.setProperty("org.lwjgl.system.memoryBackend", "ffm");
            }
            // Explicit initialisation: a missing loader is then an exception we can explain,
            // not a failed class initialiser that breaks every later use of the bindings.
            Configuration.VULKAN_EXPLICIT_INIT.set(true);
            try {
                VK.create();
            } catch (UnsatisfiedLinkError | IllegalStateException e) {
                throw new VulkanUnavailableException("the Vulkan loader (libvulkan.so.1) was not found: install it "
                        + "(Debian: apt-get install libvulkan1) and a driver (a GPU's, or lavapipe on the CPU: "
                        + "apt-get install mesa-vulkan-drivers)" + detail(e), e);
            }
            loaded = true;
        }
    }

    private static String detail(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? "" : " [" + m.lines().findFirst().orElse("") + "]";
    }

    /** Throws a {@link VulkanException} unless {@code result} is VK_SUCCESS. */
    static void check(int result, String what) {
        if (result != SUCCESS) {
            throw new VulkanException(what, result);
        }
    }

    /** The spec's name of a {@code VkResult}. */
    static String resultName(int r) {
        return switch (r) {
            case 0 -> "VK_SUCCESS";
            case 1 -> "VK_NOT_READY";
            case 2 -> "VK_TIMEOUT";
            case 5 -> "VK_INCOMPLETE";
            case -1 -> "VK_ERROR_OUT_OF_HOST_MEMORY";
            case -2 -> "VK_ERROR_OUT_OF_DEVICE_MEMORY";
            case -3 -> "VK_ERROR_INITIALIZATION_FAILED";
            case -4 -> "VK_ERROR_DEVICE_LOST";
            case -5 -> "VK_ERROR_MEMORY_MAP_FAILED";
            case -6 -> "VK_ERROR_LAYER_NOT_PRESENT";
            case -7 -> "VK_ERROR_EXTENSION_NOT_PRESENT";
            case -8 -> "VK_ERROR_FEATURE_NOT_PRESENT";
            case -9 -> "VK_ERROR_INCOMPATIBLE_DRIVER";
            case -10 -> "VK_ERROR_TOO_MANY_OBJECTS";
            case -11 -> "VK_ERROR_FORMAT_NOT_SUPPORTED";
            case -13 -> "VK_ERROR_UNKNOWN";
            default -> "VkResult";
        };
    }
}
