package org.gpusched.vulkan;

import java.util.List;
import java.util.Locale;

/**
 * What {@link VulkanDevice#list()} reports about one physical device.
 *
 * @param index              position in the driver's enumeration (what {@code open("0")} picks)
 * @param name               the driver's device name, such as {@code llvmpipe (LLVM 15.0.6, 256 bits)}
 * @param type               {@code discrete-gpu}, {@code integrated-gpu}, {@code virtual-gpu},
 *                           {@code cpu} or {@code other}
 * @param apiVersion         the Vulkan version it supports, such as {@code 1.3.230}
 * @param timelineSemaphores whether it has timeline semaphores (the backend needs them)
 * @param queueFamilies      its queue families
 */
public record DeviceInfo(int index, String name, String type, String apiVersion, boolean timelineSemaphores,
                         List<QueueFamily> queueFamilies) {

    /** Copies the list. */
    public DeviceInfo {
        queueFamilies = List.copyOf(queueFamilies);
    }

    /** True if the backend can run on it: timeline semaphores and a compute queue. */
    public boolean usable() {
        return timelineSemaphores && queueFamilies.stream().anyMatch(QueueFamily::compute);
    }

    /** One line for people: index, name, type, version and queue families. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%d: %s (%s, Vulkan %s)", index, name, type, apiVersion));
        for (QueueFamily f : queueFamilies) {
            b.append("\n     queue family ").append(f.describe());
        }
        if (!usable()) {
            b.append("\n     (not usable: ").append(timelineSemaphores ? "no compute queue" : "no timeline semaphores")
                    .append(')');
        }
        return b.toString();
    }

    /**
     * One queue family.
     *
     * @param index          family index
     * @param queueCount     queues in the family
     * @param graphics       has VK_QUEUE_GRAPHICS_BIT
     * @param compute        has VK_QUEUE_COMPUTE_BIT
     * @param transfer       has VK_QUEUE_TRANSFER_BIT
     * @param timestampBits  valid bits of its timestamps (0: no timestamps)
     */
    public record QueueFamily(int index, int queueCount, boolean graphics, boolean compute, boolean transfer,
                              int timestampBits) {

        /** Index, flags, queue count and timestamp support in words. */
        public String describe() {
            StringBuilder flags = new StringBuilder();
            if (graphics) {
                flags.append("graphics ");
            }
            if (compute) {
                flags.append("compute ");
            }
            if (transfer) {
                flags.append("transfer ");
            }
            return String.format(Locale.ROOT, "%d: %s%d queue%s, %s", index, flags, queueCount,
                    queueCount == 1 ? "" : "s", timestampBits == 0 ? "no timestamps" : timestampBits + "-bit timestamps");
        }
    }
}
