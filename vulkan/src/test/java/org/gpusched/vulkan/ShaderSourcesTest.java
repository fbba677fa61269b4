package org.gpusched.vulkan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed SPIR-V is what the GLSL sources compile to: each shader is recompiled with
 * {@code glslangValidator} (Debian: glslang-tools) and compared byte for byte. Skipped, with the
 * reason, where glslangValidator is missing (unless {@code GPUSCHED_REQUIRE_VULKAN=1}) or is
 * another version than the one that compiled the committed files (its output differs between
 * versions; regenerate with {@code vulkan/compile-shaders}).
 */
class ShaderSourcesTest {

    private static final Path GLSL = Path.of("src/main/glsl");
    private static final Path SPIRV = Path.of("src/main/resources/org/gpusched/vulkan/shaders");

    @Test
    void committedSpirvIsCompiledFromTheCurrentSources(@TempDir Path tmp) throws Exception {
        String version = glslangVersion();
        if (version == null) {
            if ("1".equals(System.getenv("GPUSCHED_REQUIRE_VULKAN"))) {
                throw new AssertionError("glslangValidator is required here (GPUSCHED_REQUIRE_VULKAN=1) but missing");
            }
            Assumptions.abort("glslangValidator is not installed (Debian: apt-get install glslang-tools)");
        }
        String committedWith = Files.readString(SPIRV.resolve("glslang-version.txt")).trim();
        Assumptions.assumeTrue(version.equals(committedWith), "the SPIR-V was compiled with glslang " + committedWith
                + ", this machine has " + version + ": its output differs between versions");
        List<Path> sources;
        try (Stream<Path> s = Files.list(GLSL)) {
            sources = s.filter(p -> p.toString().endsWith(".comp")).sorted().toList();
        }
        assertThat(sources).isNotEmpty();
        List<String> names = new ArrayList<>();
        for (Path src : sources) {
            String name = src.getFileName().toString().replace(".comp", "");
            names.add(name);
            Path out = tmp.resolve(name + ".spv");
            Run r = run("glslangValidator", "-V", "--target-env", "vulkan1.2", "-o", out.toString(), src.toString());
            assertThat(r.exit).as("glslangValidator on %s:%n%s", src, r.output).isZero();
            assertThat(Files.readAllBytes(SPIRV.resolve(name + ".spv")))
                    .as("%s.spv is stale: run vulkan/compile-shaders and commit the result", name)
                    .isEqualTo(Files.readAllBytes(out));
        }
        assertThat(names).containsAll(Shaders.NAMES);
    }

    private record Run(int exit, String output) {
    }

    private static String glslangVersion() throws InterruptedException {
        try {
            Run r = run("glslangValidator", "--version");
            for (String line : r.output.lines().toList()) {
                if (line.startsWith("Glslang Version: ")) {
                    return line.substring("Glslang Version: ".length()).trim();
                }
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private static Run run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", cmd));
        }
        return new Run(p.exitValue(), out);
    }
}
