package org.gpusched.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.cli.Cli.gpusched;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.gpusched.cli.Cli.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input on the command line (the requirement): a malformed file, an unknown field, a
 * wrong unit, a negative duration, an unknown scheduler name or an impossible combination gives
 * one clear line naming the file, the line and the field, exit status 2, and no stack trace.
 */
class BadInputCliTest {

    @TempDir
    Path dir;

    private static final String VALID = """
            name: valid
            duration: 20ms
            clients:
              - name: a
                job_duration: 1ms
                sync: true
            """;

    static Stream<Arguments> badFiles() {
        return Stream.of(
                Arguments.of("malformed", "name: x\n  bad: indent\nclients: []\n", 2, null),
                Arguments.of("unknown-field", """
                        name: x
                        clients:
                          - name: a
                            job_duration: 5ms
                            colour: red
                        """, 5, "clients[0].colour"),
                Arguments.of("wrong-unit", """
                        name: x
                        clients:
                          - name: a
                            job_duration: 5 parsecs
                        """, 4, "clients[0].job_duration"),
                Arguments.of("no-unit", """
                        name: x
                        duration: 1000
                        clients:
                          - name: a
                            job_duration: 5ms
                        """, 2, "duration"),
                Arguments.of("negative-duration", """
                        name: x
                        clients:
                          - name: a
                            job_duration: 5ms
                            wait: -1ms
                        """, 5, "clients[0].wait"),
                Arguments.of("unknown-scheduler", """
                        name: x
                        schedulers:
                          - name: gfx
                        clients:
                          - name: a
                            schedulers: [compute]
                            job_duration: 5ms
                        """, 6, "clients[0].schedulers"),
                Arguments.of("hang-without-timeout", """
                        name: x
                        clients:
                          - name: a
                            job_duration: 5ms
                            faults: {hang_every: 3}
                        """, 5, "clients[0].faults.hang_every"),
                Arguments.of("credits-above-limit", """
                        name: x
                        clients:
                          - name: a
                            job_duration: 5ms
                            credits: 2
                        """, 5, "clients[0].credits"),
                Arguments.of("manual-without-release", """
                        name: x
                        clients:
                          - name: a
                            job_duration: 5ms
                            first_job: manual
                        """, 5, "clients[0].first_job"),
                Arguments.of("unknown-policy", """
                        name: x
                        policy: lottery
                        clients:
                          - name: a
                            job_duration: 5ms
                        """, 2, "policy"));
    }

    private static void oneCleanLine(Outcome o) {
        assertThat(o.status()).as("exit status; stderr: %s", o.err()).isEqualTo(2);
        assertThat(o.out()).as("nothing on stdout").isEmpty();
        assertThat(o.err()).endsWith(System.lineSeparator());
        assertThat(o.err().strip()).as("one line").doesNotContain("\n").doesNotContain("\r");
        assertThat(o.err()).startsWith("gpusched: ");
        assertThat(o.err()).doesNotContain("Exception").doesNotContain("at org.").doesNotContain("\tat ")
                .doesNotContain("at java.");
    }

    @ParameterizedTest(name = "run {0}")
    @MethodSource("badFiles")
    void runRejectsABadFileInOneLine(String name, String yaml, int line, String field) {
        Path f = Cli.file(dir, name + ".yaml", yaml);
        Outcome o = gpusched("run", f.toString());
        oneCleanLine(o);
        String location = "gpusched: " + f + ":" + line + ": " + (field == null ? "" : "field '" + field + "': ");
        assertThat(o.err()).startsWith(location);
        assertThat(o.err().strip().length()).as("says what is wrong").isGreaterThan(location.length() + 10);
    }

    @ParameterizedTest(name = "compare {0}")
    @MethodSource("badFiles")
    void compareRejectsABadFileInOneLine(String name, String yaml, int line, String field) {
        Path f = Cli.file(dir, name + ".yaml", yaml);
        Outcome o = gpusched("compare", f.toString());
        oneCleanLine(o);
        assertThat(o.err()).startsWith("gpusched: " + f + ":" + line + ": "
                + (field == null ? "" : "field '" + field + "': "));
    }

    @Test
    void badPolicyOption() {
        Path f = Cli.file(dir, "valid.yaml", VALID);
        Outcome o = gpusched("run", f.toString(), "--policy", "edf");
        oneCleanLine(o);
        assertThat(o.err().strip()).isEqualTo("gpusched: --policy: unknown policy 'edf'; use fifo, rr or fair");
    }

    @Test
    void policyOptionOverridesTheFile() throws Exception {
        Path f = Cli.file(dir, "valid.yaml", VALID);
        Path json = dir.resolve("out.json");
        Outcome o = gpusched("run", f.toString(), "--policy", "RR", "--json", json.toString());
        assertThat(o.status()).isZero();
        assertThat(o.out()).startsWith("valid: policy rr, virtual time");
        assertThat(Files.readString(json)).contains("\"policy\" : \"rr\"");
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("nope.yaml");
        Outcome o = gpusched("run", f.toString());
        oneCleanLine(o);
        assertThat(o.err().strip()).isEqualTo("gpusched: " + f + ": cannot read the file: no such file");
    }

    @Test
    void directoryInsteadOfAFile() {
        Outcome o = gpusched("compare", dir.toString());
        oneCleanLine(o);
        assertThat(o.err()).startsWith("gpusched: " + dir + ": cannot read the file: ");
    }

    @Test
    void unwritableJsonPathNamesThePathAndWhy() {
        Path f = Cli.file(dir, "valid.yaml", VALID);
        Path json = dir.resolve("no-such-dir").resolve("out.json");
        Outcome o = gpusched("run", f.toString(), "--json", json.toString());
        assertThat(o.status()).isEqualTo(2);
        // The run itself happened and was reported; then writing failed.
        assertThat(o.out()).startsWith("valid: policy fair");
        assertThat(o.err()).doesNotContain("Exception").doesNotContain("at org.");
        assertThat(o.err().strip()).isEqualTo("gpusched: cannot write " + json + ": its directory does not exist");
    }

    @Test
    void jsonPathThatIsADirectory() {
        Path f = Cli.file(dir, "valid.yaml", VALID);
        Outcome o = gpusched("run", f.toString(), "--json", dir.toString());
        assertThat(o.status()).isEqualTo(2);
        assertThat(o.err().strip()).startsWith("gpusched: cannot write " + dir + ": ").doesNotContain("\n");
    }

    @Test
    void unwritableTracePlotAndJfrPaths() {
        Path f = Cli.file(dir, "valid.yaml", VALID);
        for (String option : new String[] {"--trace", "--plot", "--jfr"}) {
            Path out = dir.resolve("missing").resolve("out");
            Outcome o = gpusched("run", f.toString(), option, out.toString());
            assertThat(o.status()).as(option).isEqualTo(2);
            assertThat(o.err().strip()).as(option).isEqualTo("gpusched: cannot write " + out + ": its directory does not exist");
        }
    }

    @Test
    void unwritableCompareOutputs() {
        Path f = Cli.file(dir, "valid.yaml", VALID);
        for (String option : new String[] {"--json", "--plot"}) {
            Path out = dir.resolve("missing").resolve("out");
            Outcome o = gpusched("compare", f.toString(), option, out.toString());
            assertThat(o.status()).as(option).isEqualTo(2);
            assertThat(o.err().strip()).as(option).isEqualTo("gpusched: cannot write " + out + ": its directory does not exist");
        }
    }

    @Test
    void unknownOptionIsAUsageError() {
        Path f = Cli.file(dir, "valid.yaml", VALID);
        Outcome o = gpusched("run", f.toString(), "--colour");
        assertThat(o.status()).isEqualTo(2);
        assertThat(o.err()).startsWith("Unknown option: '--colour'").doesNotContain("Exception");
    }

    @Test
    void missingFileArgumentIsAUsageError() {
        Outcome o = gpusched("run");
        assertThat(o.status()).isEqualTo(2);
        assertThat(o.err()).contains("FILE.yaml").doesNotContain("Exception");
    }
}
