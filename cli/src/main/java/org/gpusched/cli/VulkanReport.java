package org.gpusched.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.gpusched.sim.scenario.ResultJson;
import org.gpusched.sim.scenario.ScenarioResult;
import org.gpusched.vulkan.lab.JobTiming;
import org.gpusched.vulkan.lab.VulkanLab;

/**
 * The JSON result of a {@code --backend vulkan} run: the usual result plus a {@code backend}
 * object naming the device and the calibration, with every job's intended and measured GPU time.
 */
final class VulkanReport {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private VulkanReport() {
    }

    static String json(ScenarioResult r, VulkanLab lab) {
        try {
            ObjectNode o = (ObjectNode) MAPPER.readTree(ResultJson.write(r));
            ObjectNode b = o.putObject("backend");
            b.put("kind", "vulkan");
            b.put("device", lab.device().name());
            b.put("device_type", lab.device().info().type());
            b.put("vulkan_version", lab.device().info().apiVersion());
            b.put("calibration", lab.calibration().describe());
            b.put("spin_ns_per_round", lab.calibration().nanosPerRound());
            ArrayNode jobs = b.putArray("jobs");
            for (JobTiming t : lab.timings()) {
                ObjectNode j = jobs.addObject();
                j.put("client", t.client());
                j.put("seq", t.seq());
                j.put("ring", t.ring());
                j.put("intended_us", t.intendedNs() / 1000.0);
                j.put("measured_us", t.measuredNs() < 0 ? null : t.measuredNs() / 1000.0);
            }
            return MAPPER.writeValueAsString(o) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
