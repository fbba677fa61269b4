package org.gpusched.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gpusched sdk --prefix DIR} installs DESIGN section 7's layout, and a C program built with
 * the flags of the installed {@code gpusched.pc} runs with no other set-up.
 */
class SdkCommandTest {

    @TempDir
    Path dir;

    @Test
    void installsTheLayoutAndAProgramBuiltWithItsPkgConfigFlagsRuns() throws Exception {
        Cli.Outcome o = Cli.gpusched("sdk", "--prefix", dir.toString());
        assertThat(o.status()).as(o.err()).isZero();
        assertThat(dir.resolve("include/gpusched.h")).isRegularFile();
        assertThat(dir.resolve("lib/libgpusched.so")).isRegularFile().isExecutable();
        assertThat(dir.resolve("share/gpusched/gpusched-capi.jar")).isRegularFile();
        assertThat(Files.readString(dir.resolve("share/gpusched/java-home")).trim()).isEqualTo(System.getProperty("java.home"));
        String pc = Files.readString(dir.resolve("lib/pkgconfig/gpusched.pc"));
        assertThat(pc).contains("prefix=" + dir.toAbsolutePath().normalize()).contains("Libs: -L${libdir}")
                .contains("-lgpusched").contains("Cflags: -I${includedir}");

        // Build a program the way the README says, with the .pc file's own flags.
        Path prog = Files.writeString(dir.resolve("prog.c"), """
                #include <stdio.h>
                #include "gpusched.h"
                int main(void) {
                    gs_timeline *tl;
                    gs_fence *f;
                    if (gs_timeline_create("sdk", &tl) != 0 || gs_fence_create(tl, &f) != 0)
                        return 1;
                    if (gs_fence_signal(f, 0) != 0 || gs_fence_wait(f, -1) != 0)
                        return 2;
                    printf("abi %u seqno %llu\\n", gs_abi_version(), (unsigned long long)gs_fence_seqno(f));
                    gs_fence_put(f);
                    gs_timeline_put(tl);
                    return 0;
                }
                """);
        List<String> cc = new ArrayList<>(List.of("cc", prog.toString(), "-o", dir.resolve("prog").toString()));
        cc.addAll(flags(pc, "Cflags:"));
        cc.addAll(flags(pc, "Libs:"));
        assertThat(run(cc, false)).as("cc %s", cc).isEqualTo("");
        // No LD_LIBRARY_PATH and no JAVA_HOME: the rpath and the recorded JDK must suffice.
        assertThat(run(List.of(dir.resolve("prog").toString()), true)).isEqualTo("abi 1 seqno 1\n");
    }

    /** The flags of one line of a .pc file, with its variables expanded. */
    private List<String> flags(String pc, String key) {
        String prefix = dir.toAbsolutePath().normalize().toString();
        for (String line : pc.split("\n")) {
            if (line.startsWith(key)) {
                String v = line.substring(key.length()).trim().replace("${libdir}", prefix + "/lib")
                        .replace("${includedir}", prefix + "/include").replace("${prefix}", prefix);
                return List.of(v.split("\\s+"));
            }
        }
        throw new AssertionError("no " + key + " line in gpusched.pc");
    }

    private static String run(List<String> command, boolean cleanEnvironment) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (cleanEnvironment) {
            pb.environment().remove("JAVA_HOME");
            pb.environment().remove("LD_LIBRARY_PATH");
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("finished").isTrue();
        assertThat(p.exitValue()).as("exit status of %s: %s", command, out).isZero();
        return out;
    }
}
