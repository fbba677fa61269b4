package org.gpusched.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gpusched sdk --prefix DIR}: installs the C SDK (DESIGN section 7's layout): the header,
 * the library, a pkg-config file and the jar the library starts, and records this JDK so that a
 * C program runs without further set-up.
 */
@Command(name = "sdk", mixinStandardHelpOptions = true,
        description = {"Install the C SDK: DIR/include/gpusched.h, DIR/lib/libgpusched.so,",
                "DIR/lib/pkgconfig/gpusched.pc and DIR/share/gpusched/ (the jar and the JDK to use).",
                "Then: PKG_CONFIG_PATH=DIR/lib/pkgconfig cc prog.c $(pkg-config --cflags --libs gpusched)"},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:installed", "2:the prefix cannot be written"})
final class SdkCommand implements Callable<Integer> {

    static final String VERSION = "0.1.0";

    @Spec
    private CommandSpec spec;

    @Option(names = "--prefix", required = true, paramLabel = "DIR", description = "Where to install (created if missing).")
    private Path prefix;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Path dir = prefix.toAbsolutePath().normalize();
            Path include = Files.createDirectories(dir.resolve("include"));
            Path lib = Files.createDirectories(dir.resolve("lib"));
            Path pkgconfig = Files.createDirectories(lib.resolve("pkgconfig"));
            Path share = Files.createDirectories(dir.resolve("share/gpusched"));
            copy("gpusched.h", include.resolve("gpusched.h"));
            Path so = lib.resolve("libgpusched.so");
            copy("libgpusched.so", so);
            Files.setPosixFilePermissions(so, PosixFilePermissions.fromString("rwxr-xr-x"));
            copy("gpusched-capi.jar", share.resolve("gpusched-capi.jar"));
            Files.writeString(share.resolve("java-home"), System.getProperty("java.home") + "\n", StandardCharsets.UTF_8);
            Files.writeString(pkgconfig.resolve("gpusched.pc"), pkgConfig(dir), StandardCharsets.UTF_8);
            out.println("installed the gpusched C SDK in " + dir);
            out.println("  build: PKG_CONFIG_PATH=" + pkgconfig + " cc prog.c $(pkg-config --cflags --libs gpusched)");
            out.println("  JDK:   " + System.getProperty("java.home") + " (JAVA_HOME, if set to a JDK 25, takes precedence)");
            return 0;
        } catch (IOException e) {
            err.println("gpusched: cannot install into " + prefix + ": " + e);
            return 2;
        }
    }

    static String pkgConfig(Path dir) {
        return "prefix=" + dir + "\n"
                + "libdir=${prefix}/lib\n"
                + "includedir=${prefix}/include\n\n"
                + "Name: gpusched\n"
                + "Description: GPU job scheduler (C ABI)\n"
                + "Version: " + VERSION + "\n"
                + "Libs: -L${libdir} -Wl,-rpath,${libdir} -lgpusched\n"
                + "Cflags: -I${includedir}\n";
    }

    private static void copy(String resource, Path target) throws IOException {
        try (InputStream in = SdkCommand.class.getResourceAsStream("sdk/" + resource)) {
            if (in == null) {
                throw new IOException("this build of gpusched has no " + resource + " (build the capi module)");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
