package org.gpusched.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.gpusched.vulkan.DeviceInfo;
import org.gpusched.vulkan.VulkanDevice;
import org.gpusched.vulkan.VulkanUnavailableException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code gpusched devices}: the machine's Vulkan devices and their queue families, as
 * {@code run --backend vulkan --device} and the Vulkan backend pick them (by index or by part of
 * the name).
 */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = {"List the Vulkan devices (index, name, type, API version) and their queue families,",
                "for run --backend vulkan --device NAME|INDEX."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:listed", "3:no Vulkan loader or driver (the message says what to install)"})
final class DevicesCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            for (DeviceInfo d : VulkanDevice.list()) {
                out.println(d.describe());
            }
            return 0;
        } catch (VulkanUnavailableException e) {
            spec.commandLine().getErr().println("gpusched: vulkan unavailable: " + e.getMessage());
            return 3;
        }
    }
}
