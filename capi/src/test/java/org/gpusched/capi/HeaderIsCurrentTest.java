package org.gpusched.capi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The committed {@code capi/include/gpusched.h} must be exactly what the build generates from the
 * Java side; after changing an export, copy {@code capi/target/generated-c/gpusched.h} over it.
 */
class HeaderIsCurrentTest {

    @Test
    void committedHeaderEqualsTheGeneratedOne() throws Exception {
        Path generated = Path.of(System.getProperty("gpusched.generated", "target/generated-c"), "gpusched.h");
        Path committed = Path.of(System.getProperty("gpusched.committed", "include"), "gpusched.h");
        assertThat(Files.readString(committed))
                .as("capi/include/gpusched.h is out of date: copy capi/target/generated-c/gpusched.h over it")
                .isEqualTo(Files.readString(generated));
    }

    @Test
    void generatorOutputIsTheSameOnEveryRun() {
        assertThat(HeaderGenerator.header()).isEqualTo(HeaderGenerator.header());
        assertThat(HeaderGenerator.trampolines()).isEqualTo(HeaderGenerator.trampolines());
    }

    @Test
    void everyExportHasAUniqueIdAndAMatchingPrototype() {
        var fns = Exports.list();
        assertThat(fns).isNotEmpty();
        for (var fn : fns) {
            assertThat(HeaderGenerator.parse(fn).name()).isEqualTo(fn.name());
        }
        assertThat(Exports.tableSize(fns)).isEqualTo(fns.get(fns.size() - 1).id() + 1);
    }
}
