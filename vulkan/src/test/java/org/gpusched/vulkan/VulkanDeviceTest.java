package org.gpusched.vulkan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Device discovery and selection, and the errors for a machine without Vulkan. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VulkanDeviceTest {

    private static DeviceInfo info(int index, String name, String type, boolean usable) {
        return new DeviceInfo(index, name, type, "1.3.0", usable,
                List.of(new DeviceInfo.QueueFamily(0, 2, true, true, true, 64)));
    }

    @Test
    void listDescribesTheDevicesAndTheirQueueFamilies() {
        TestDevice.get();
        List<DeviceInfo> devices = VulkanDevice.list();
        assertThat(devices).isNotEmpty();
        for (DeviceInfo d : devices) {
            assertThat(d.name()).isNotBlank();
            assertThat(d.queueFamilies()).isNotEmpty();
            assertThat(d.describe()).contains(d.name()).contains("queue family 0:");
        }
        assertThat(devices).anyMatch(DeviceInfo::usable);
    }

    @Test
    void openPicksADeviceByIndexOrByPartOfItsName() {
        VulkanDevice shared = TestDevice.get();
        String name = shared.name();
        int index = shared.info().index();
        try (VulkanDevice byIndex = VulkanDevice.open(Integer.toString(index))) {
            assertThat(byIndex.name()).isEqualTo(name);
            assertThat(byIndex.queueCount()).isGreaterThanOrEqualTo(1);
        }
        String part = name.substring(0, Math.min(4, name.length())).toUpperCase(java.util.Locale.ROOT);
        try (VulkanDevice byName = VulkanDevice.open(part)) {
            assertThat(byName.name()).isEqualTo(name);
        }
        assertThatThrownBy(() -> VulkanDevice.open("no-such-device-anywhere"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(name);
        assertThatThrownBy(() -> VulkanDevice.open("999")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBestDeviceIsAGpuBeforeACpuImplementation() {
        List<DeviceInfo> infos = List.of(info(0, "llvmpipe", "cpu", true), info(1, "iGPU", "integrated-gpu", true),
                info(2, "dGPU", "discrete-gpu", true), info(3, "old", "discrete-gpu", false));
        assertThat(VulkanDevice.pick(infos, null).name()).isEqualTo("dGPU");
        assertThat(VulkanDevice.pick(infos, "").name()).isEqualTo("dGPU");
        assertThat(VulkanDevice.pick(infos, "0").name()).isEqualTo("llvmpipe");
        assertThat(VulkanDevice.pick(infos, "igpu").name()).isEqualTo("iGPU");
        assertThatThrownBy(() -> VulkanDevice.pick(infos, "old")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot run the backend");
        assertThatThrownBy(() -> VulkanDevice.pick(List.of(info(0, "old", "cpu", false)), null))
                .isInstanceOf(VulkanUnavailableException.class).hasMessageContaining("timeline semaphores");
        assertThatThrownBy(() -> VulkanDevice.pick(List.of(), null)).isInstanceOf(VulkanUnavailableException.class);
    }

    @Test
    void withoutADriverOpeningIsAClearErrorNotACrash(@TempDir Path empty) throws Exception {
        TestDevice.get(); // only meaningful where the loader exists
        Path noIcd = empty.resolve("none.json");
        Child c = runInfo(List.of(), List.of("VK_ICD_FILENAMES=" + noIcd, "VK_DRIVER_FILES=" + noIcd));
        assertThat(c.exit).as(c.output).isEqualTo(3);
        assertThat(c.output).contains("no Vulkan driver was found").contains("mesa-vulkan-drivers");
    }

    @Test
    void withoutTheLoaderOpeningIsAClearErrorNotACrash(@TempDir Path empty) throws Exception {
        Child c = runInfo(List.of("-Dorg.lwjgl.vulkan.libname=" + empty.resolve("libvulkan.so.1")), List.of());
        assertThat(c.exit).as(c.output).isEqualTo(3);
        assertThat(c.output).contains("Vulkan loader (libvulkan.so.1) was not found").contains("libvulkan1");
    }

    @Test
    void withoutTheLoaderTheBenchmarkAndTheExampleSayWhyAndExitWith3(@TempDir Path empty) throws Exception {
        List<String> noLoader = List.of("-Dorg.lwjgl.vulkan.libname=" + empty.resolve("libvulkan.so.1"));
        for (Class<?> main : List.of(VulkanBench.class, org.gpusched.vulkan.example.ThreeClients.class)) {
            Child c = run(main, noLoader, List.of());
            assertThat(c.exit).as(main.getSimpleName() + ": " + c.output).isEqualTo(3);
            assertThat(c.output).as(main.getSimpleName())
                    .contains("vulkan unavailable: the Vulkan loader (libvulkan.so.1) was not found")
                    .doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    private record Child(int exit, String output) {
    }

    /** Runs {@link VulkanInfo} in a child JVM with extra JVM options and environment. */
    private static Child runInfo(List<String> jvmOptions, List<String> env) throws IOException, InterruptedException {
        return run(VulkanInfo.class, jvmOptions, env);
    }

    /** Runs {@code main} in a child JVM with extra JVM options and environment. */
    private static Child run(Class<?> main, List<String> jvmOptions, List<String> env)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        for (String kv : env) {
            int eq = kv.indexOf('=');
            pb.environment().put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Child(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void shaderResourcesExistForEveryBuiltin() {
        for (String n : Shaders.NAMES) {
            assertThat(Shaders.spirv(n).remaining()).isGreaterThan(20);
            assertThat(Shaders.spirv(n).getInt(0)).as("SPIR-V magic").isIn(0x07230203, 0x03022307);
        }
        assertThat(Files.exists(Path.of("src/main/glsl/add.comp"))).isTrue();
    }
}
