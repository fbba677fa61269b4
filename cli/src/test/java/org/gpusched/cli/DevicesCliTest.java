package org.gpusched.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.cli.Cli.gpusched;

import org.gpusched.cli.Cli.Outcome;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code gpusched devices}: the Vulkan devices, or exit 3 where there is no Vulkan. */
class DevicesCliTest {

    @Test
    void devicesListsEachVulkanDeviceWithItsIndexAndQueueFamilies() {
        Outcome o = gpusched("devices");
        if (o.status() == 3) {
            assertThat(System.getenv("GPUSCHED_REQUIRE_VULKAN")).as("Vulkan is required here, but: %s", o.err()).isNull();
            assertThat(o.err()).startsWith("gpusched: vulkan unavailable: ");
            Assumptions.abort("no Vulkan on this machine: " + o.err().strip());
        }
        assertThat(o.status()).as(o.err()).isZero();
        assertThat(o.out()).startsWith("0: ").contains("Vulkan 1.").contains("queue family");
    }
}
