package org.gpusched.vulkan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.gpusched.fence.Fence;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The Vulkan device the tests share (opening one and compiling the shaders costs about a
 * second): opened on first use, never closed (a daemon thread and the driver go with the JVM).
 * Where Vulkan is missing the tests are skipped with the reason, unless the environment sets
 * {@code GPUSCHED_REQUIRE_VULKAN=1} (as {@code ./run-tests} does where it installed the
 * packages): then a missing Vulkan fails them.
 */
final class TestDevice {

    private static VulkanDevice device;
    private static SpinCalibration spin;
    private static String unavailable;

    private TestDevice() {
    }

    static synchronized VulkanDevice get() {
        if (device == null && unavailable == null) {
            try {
                device = VulkanDevice.open();
            } catch (VulkanUnavailableException e) {
                unavailable = e.getMessage();
            }
        }
        if (device == null) {
            if ("1".equals(System.getenv("GPUSCHED_REQUIRE_VULKAN"))) {
                Assertions.fail("Vulkan is required here (GPUSCHED_REQUIRE_VULKAN=1) but unavailable: " + unavailable);
            }
            Assumptions.abort("Vulkan is not available on this machine: " + unavailable);
        }
        return device;
    }

    static synchronized SpinCalibration spin() {
        if (spin == null) {
            spin = SpinCalibration.measure(get());
        }
        return spin;
    }

    /** Waits for {@code f} (at most a minute, so that a bug fails instead of hanging). */
    static void await(Fence f) {
        try {
            Assertions.assertTrue(f.await(Duration.ofSeconds(60)), "fence did not signal within 60 s: " + f);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Assertions.fail(e);
        }
    }

    /** The sequence numbers the log shows for {@code entity}, in the order they ran on the GPU. */
    static List<Integer> seqsOf(JobLog log, int entity) {
        List<Integer> out = new ArrayList<>();
        for (JobLog.Entry e : log.entries()) {
            if (e.entity() == entity) {
                out.add(e.seq());
            }
        }
        return out;
    }

    /** Position of the first log entry of (entity, seq), or -1. */
    static int positionOf(JobLog log, int entity, int seq) {
        List<JobLog.Entry> es = log.entries();
        for (int i = 0; i < es.size(); i++) {
            if (es.get(i).entity() == entity && es.get(i).seq() == seq) {
                return i;
            }
        }
        return -1;
    }
}
