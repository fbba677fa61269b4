package org.gpusched.vulkan.example;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.gpusched.vulkan.VulkanDevice;
import org.gpusched.vulkan.VulkanUnavailableException;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The example runs and every client's jobs ran once, in order, on the GPU. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ThreeClientsTest {

    @Test
    void threeClientsAtDifferentPrioritiesAllGetTheirJobsRunInOrder() throws Exception {
        VulkanDevice dev;
        try {
            dev = VulkanDevice.open();
        } catch (VulkanUnavailableException e) {
            if ("1".equals(System.getenv("GPUSCHED_REQUIRE_VULKAN"))) {
                Assertions.fail("Vulkan is required here but unavailable: " + e.getMessage());
            }
            Assumptions.abort("Vulkan is not available on this machine: " + e.getMessage());
            return;
        }
        try (dev) {
            List<ThreeClients.Outcome> out = ThreeClients.run(dev, Duration.ofMillis(400));
            assertThat(out).extracting(ThreeClients.Outcome::name).containsExactly("compositor", "game", "miner");
            for (ThreeClients.Outcome o : out) {
                assertThat(o.jobs()).as(o.name()).isPositive();
                assertThat(o.inOrder()).as(o.name()).isTrue();
                assertThat(o.gpuMicros()).as(o.name()).isPositive();
            }
        }
    }
}
