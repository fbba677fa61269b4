package org.gpusched.vulkan;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The built-in shaders' SPIR-V, compiled from {@code src/main/glsl} and committed as resources
 * (see {@code ShaderSourcesTest}, which checks they are current).
 */
public final class Shaders {

    /** The built-in shaders: {@code add} (append to a log) and {@code spin} (busy-loop, then append). */
    public static final List<String> NAMES = List.of("add", "spin");

    private Shaders() {
    }

    /** The SPIR-V of built-in shader {@code name}, as a heap buffer. */
    public static ByteBuffer spirv(String name) {
        try (InputStream in = Shaders.class.getResourceAsStream("shaders/" + name + ".spv")) {
            if (in == null) {
                throw new IllegalArgumentException("no built-in shader '" + name + "'; there are " + NAMES);
            }
            return ByteBuffer.wrap(in.readAllBytes());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read shader " + name, e);
        }
    }
}
