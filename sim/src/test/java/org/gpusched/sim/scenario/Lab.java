package org.gpusched.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.gpusched.sched.Policy;
import org.gpusched.sim.scenario.ScenarioResult.ClientResult;
import org.gpusched.sim.scenario.ScenarioResult.JobSpan;
import org.gpusched.sim.scenario.ScenarioRunner.Mode;

/** Shortcuts for the lab tests: parse and run scenarios in virtual time, find results. */
final class Lab {

    private Lab() {
    }

    static Scenario parse(String yaml) {
        try {
            return ScenarioParser.parse(yaml, "test.yaml");
        } catch (ScenarioException e) {
            throw new AssertionError("the test's scenario does not parse: " + e.getMessage(), e);
        }
    }

    static Scenario parse(Path file) {
        try {
            return ScenarioParser.parse(file);
        } catch (ScenarioException e) {
            throw new AssertionError("the example does not parse: " + e.getMessage(), e);
        }
    }

    static ScenarioResult run(String yaml) {
        return run(parse(yaml));
    }

    static ScenarioResult run(Scenario sc) {
        ScenarioResult r = ScenarioRunner.run(sc, Mode.VIRTUAL);
        assertThat(r.completed()).as("%s finished within its bound", sc.name()).isTrue();
        return r;
    }

    static ScenarioResult run(Path file, Policy policy) {
        return run(parse(file).withPolicy(policy));
    }

    static ClientResult client(ScenarioResult r, String name) {
        return r.clients().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no client " + name));
    }

    /** The client's jobs in submission order. */
    static List<JobSpan> spans(ScenarioResult r, String client) {
        return r.spans().stream().filter(s -> s.client().equals(client))
                .sorted(Comparator.comparingInt(JobSpan::index)).toList();
    }

    /** Every job that ran, in the order it started on the hardware. */
    static List<JobSpan> onHardware(ScenarioResult r) {
        return r.spans().stream().filter(s -> s.hwStartNs() >= 0)
                .sorted(Comparator.comparingLong(JobSpan::hwStartNs).thenComparingLong(JobSpan::runNs)).toList();
    }

    /** The repository's examples directory (tests run in a module directory). */
    static Path examples() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isDirectory(dir.resolve("examples")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir.resolve("examples");
            }
            dir = dir.getParent();
        }
        throw new AssertionError("no examples directory above " + Path.of("").toAbsolutePath());
    }

    static Path example(String relative) {
        return examples().resolve(relative);
    }

    /** Every scenario file under examples/, sorted. */
    static List<Path> allExamples() {
        try (Stream<Path> s = Files.walk(examples())) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
