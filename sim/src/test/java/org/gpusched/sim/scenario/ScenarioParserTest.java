package org.gpusched.sim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gpusched.sched.Policy;
import org.gpusched.sched.Priority;
import org.gpusched.sim.scenario.Scenario.ClientSpec;
import org.gpusched.sim.scenario.Scenario.Faults;
import org.gpusched.sim.scenario.Scenario.SchedulerSpec;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenario file contract (DESIGN section 6, docs/scenarios.md): every kind of bad input is
 * one {@link ScenarioException} with the file, the exact line and the field path, and every
 * default and unit is read as documented.
 */
class ScenarioParserTest {

    private static final String FILE = "lab.yaml";

    /** Parses {@code yaml} expecting an error; returns it after checking its location. */
    private static ScenarioException rejects(String yaml, int line, String field) {
        ScenarioException e = catchThrowableOfType(ScenarioException.class, () -> ScenarioParser.parse(yaml, FILE));
        assertThat(e).as("expected the file to be rejected:%n%s", yaml).isNotNull();
        assertThat(e.file()).isEqualTo(FILE);
        assertThat(e.line()).as("line of: %s", e.getMessage()).isEqualTo(line);
        assertThat(e.field()).as("field of: %s", e.getMessage()).isEqualTo(field);
        String location = FILE + ":" + line + ": " + (field == null ? "" : "field '" + field + "': ");
        assertThat(e.getMessage()).isEqualTo(location + e.problem());
        assertThat(e.getMessage()).doesNotContain("\n");
        // The message is for people: no stack trace is captured.
        assertThat(e.getStackTrace()).isEmpty();
        return e;
    }

    private static Scenario parses(String yaml) throws ScenarioException {
        return ScenarioParser.parse(yaml, FILE);
    }

    /** One client with only the required field, the smallest valid scenario. */
    private static final String MINIMAL = """
            name: minimal
            clients:
              - name: a
                job_duration: 5ms
            """;

    @Nested
    class BadInput {

        @Test
        void malformedYamlNamesTheLineOfTheSyntaxError() {
            ScenarioException e = rejects("""
                    name: x
                      bad: indent
                    clients: []
                    """, 2, null);
            assertThat(e.problem()).startsWith("not valid YAML: ").contains("mapping values are not allowed");
        }

        @Test
        void tabIndentationIsMalformedYamlOnItsLine() {
            ScenarioException e = rejects("name: x\nclients:\n\t- name: a\n", 3, null);
            assertThat(e.problem()).startsWith("not valid YAML: ").contains("\\t");
        }

        @Test
        void unterminatedFlowListIsMalformedYaml() {
            ScenarioException e = catchThrowableOfType(ScenarioException.class, () -> parses("""
                    name: x
                    clients:
                      - name: a
                        job_duration: [1ms
                    """));
            // SnakeYAML notices the missing ']' at the end of the input, after line 4.
            assertThat(e.line()).isGreaterThanOrEqualTo(4);
            assertThat(e.problem()).startsWith("not valid YAML: ").contains("']'");
        }

        @Test
        void unknownTopLevelFieldListsTheAllowedOnes() {
            ScenarioException e = rejects("""
                    name: x
                    foo: 1
                    clients:
                      - name: a
                        job_duration: 5ms
                    """, 2, "foo");
            assertThat(e.problem()).isEqualTo(
                    "unknown field; allowed here: clients, duration, name, policy, release_at, schedulers");
        }

        @Test
        void unknownClientField() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        colour: red
                    """, 5, "clients[0].colour");
            assertThat(e.problem()).startsWith("unknown field; allowed here: ").contains("job_duration", "first_job");
        }

        @Test
        void unknownFieldOfTheSecondClientNamesItsIndex() {
            rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                      - name: b
                        job_duration: 5ms
                        job_count: 3
                    """, 7, "clients[1].job_count");
        }

        @Test
        void unknownSchedulerField() {
            ScenarioException e = rejects("""
                    name: x
                    schedulers:
                      - name: g
                        credits: 2
                    clients:
                      - name: a
                        job_duration: 5ms
                    """, 4, "schedulers[0].credits");
            assertThat(e.problem()).isEqualTo("unknown field; allowed here: credit_limit, name, timeout");
        }

        @Test
        void unknownFaultsField() {
            ScenarioException e = rejects("""
                    name: x
                    schedulers:
                      - name: g
                        timeout: 10ms
                    clients:
                      - name: a
                        job_duration: 5ms
                        faults: {hang_every: 2, crash_every: 3}
                    """, 8, "clients[0].faults.crash_every");
            assertThat(e.problem()).isEqualTo("unknown field; allowed here: fail_every, hang_every");
        }

        @Test
        void durationWithoutUnitSuggestsOne() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        wait: 3
                    """, 5, "clients[0].wait");
            assertThat(e.problem()).isEqualTo("'3' needs a unit: ns, us, ms or s (e.g. 3us)");
        }

        @Test
        void bareNonZeroNumberIsRejectedEvenWithDecimals() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 2.5
                    """, 4, "clients[0].job_duration");
            assertThat(e.problem()).contains("needs a unit");
        }

        @Test
        void unknownUnit() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ks
                    """, 4, "clients[0].job_duration");
            assertThat(e.problem()).isEqualTo(
                    "'5ks' is not a duration; write a number with a unit: ns, us, ms or s (e.g. 2500us)");
        }

        @Test
        void wordsAreNotADuration() {
            rejects("""
                    name: x
                    duration: forever
                    clients:
                      - name: a
                        job_duration: 5ms
                    """, 2, "duration");
        }

        @Test
        void negativeJobDuration() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: -5ms
                    """, 4, "clients[0].job_duration");
            assertThat(e.problem()).isEqualTo("must not be negative, got '-5ms'");
        }

        @Test
        void negativeScenarioDurationAndWaitAndTimeout() {
            rejects("""
                    name: x
                    duration: -1s
                    clients:
                      - name: a
                        job_duration: 5ms
                    """, 2, "duration");
            rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        wait: -2us
                    """, 5, "clients[0].wait");
            rejects("""
                    name: x
                    schedulers:
                      - name: g
                        timeout: -20ms
                    clients:
                      - name: a
                        job_duration: 5ms
                    """, 4, "schedulers[0].timeout");
        }

        @Test
        void zeroJobDurationIsRejectedWithOrWithoutUnit() {
            for (String zero : List.of("0", "0ms", "0.0us")) {
                ScenarioException e = rejects("""
                        name: x
                        clients:
                          - name: a
                            job_duration: %s
                        """.formatted(zero), 4, "clients[0].job_duration");
                assertThat(e.problem()).isEqualTo("must be positive");
            }
        }

        @Test
        void zeroDurationsWhereTimeMustPass() {
            rejects("""
                    name: x
                    duration: 0
                    clients:
                      - name: a
                        job_duration: 5ms
                    """, 2, "duration");
            rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        duration: 0s
                    """, 5, "clients[0].duration");
            ScenarioException e = rejects("""
                    name: x
                    schedulers:
                      - name: g
                        timeout: 0
                    clients:
                      - name: a
                        job_duration: 5ms
                    """, 4, "schedulers[0].timeout");
            assertThat(e.problem()).contains("'none'");
        }

        @Test
        void fractionOfANanosecond() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 0.5ns
                    """, 4, "clients[0].job_duration");
            assertThat(e.problem()).contains("whole number of nanoseconds");
        }

        @Test
        void cycleTooLongToCount() {
            // 2^31 - 1 jobs of an hour each overflow a long count of nanoseconds.
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        jobs_per_cycle: 2147483647
                        job_duration: 3600s
                    """, 4, "clients[0].jobs_per_cycle");
            assertThat(e.problem()).contains("too long");
        }

        @Test
        void nonIntegerCredits() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        credits: 1.5
                    """, 5, "clients[0].credits");
            assertThat(e.problem()).isEqualTo("must be a positive integer, got '1.5'");
        }

        @Test
        void zeroAndNegativeCounts() {
            rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        jobs_per_cycle: 0
                    """, 5, "clients[0].jobs_per_cycle");
            rejects("""
                    name: x
                    schedulers:
                      - name: g
                        credit_limit: -1
                    clients:
                      - name: a
                        job_duration: 5ms
                    """, 4, "schedulers[0].credit_limit");
        }

        @Test
        void creditsAboveTheCreditLimit() {
            ScenarioException e = rejects("""
                    name: x
                    schedulers:
                      - name: g
                        credit_limit: 2
                    clients:
                      - name: a
                        job_duration: 5ms
                        credits: 3
                    """, 8, "clients[0].credits");
            assertThat(e.problem()).contains("is 3", "credit_limit is 2");
        }

        @Test
        void creditsAboveTheSmallestLimitOfALoadBalancedClient() {
            ScenarioException e = rejects("""
                    name: x
                    schedulers:
                      - name: big
                        credit_limit: 4
                      - name: small
                        credit_limit: 2
                    clients:
                      - name: a
                        schedulers: [big, small]
                        job_duration: 5ms
                        credits: 3
                    """, 11, "clients[0].credits");
            assertThat(e.problem()).contains("credit_limit is 2");
        }

        @Test
        void unknownSchedulerNameListsTheKnownOnes() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        schedulers: [gfx]
                    """, 5, "clients[0].schedulers");
            assertThat(e.problem()).isEqualTo("unknown scheduler 'gfx'; schedulers are gpu");
        }

        @Test
        void schedulerListedTwiceByAClient() {
            rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        schedulers:
                          - gpu
                          - gpu
                    """, 7, "clients[0].schedulers");
        }

        @Test
        void unknownDependsOnClientPointsAtTheDependency() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                      - name: b
                        job_duration: 5ms
                        depends_on: [c]
                    """, 7, "clients[1].depends_on");
            assertThat(e.problem()).isEqualTo("unknown client 'c'; clients are a, b");
        }

        @Test
        void unknownDependsOnInABlockListPointsAtItsItem() {
            rejects("""
                    name: x
                    clients:
                      - name: a
                        depends_on:
                          - b
                          - nobody
                        job_duration: 5ms
                      - name: b
                        job_duration: 5ms
                    """, 6, "clients[0].depends_on");
        }

        @Test
        void selfDependencyPointsAtTheDependency() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        depends_on: [a]
                    """, 5, "clients[0].depends_on");
            assertThat(e.problem()).contains("cannot depend on itself", "chain: true");
        }

        @Test
        void duplicateClientName() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                      - name: a
                        job_duration: 5ms
                    """, 5, "clients[1].name");
            assertThat(e.problem()).isEqualTo("duplicate client name 'a'");
        }

        @Test
        void duplicateSchedulerName() {
            ScenarioException e = rejects("""
                    name: x
                    schedulers:
                      - name: g
                      - name: g
                    clients:
                      - name: a
                        job_duration: 5ms
                    """, 4, "schedulers[1].name");
            assertThat(e.problem()).isEqualTo("duplicate scheduler name 'g'");
        }

        @Test
        void fieldGivenTwice() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                    name: y
                    """, 5, "name");
            assertThat(e.problem()).isEqualTo("given twice");
        }

        @Test
        void hangEveryOnARingWithoutTimeout() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        faults:
                          hang_every: 2
                    """, 6, "clients[0].faults.hang_every");
            assertThat(e.problem()).contains("need a timeout", "scheduler 'gpu'");
        }

        @Test
        void hangEveryIsRejectedIfAnyOfItsRingsLacksATimeout() {
            ScenarioException e = rejects("""
                    name: x
                    schedulers:
                      - name: r0
                        timeout: 20ms
                      - name: r1
                    clients:
                      - name: a
                        job_duration: 5ms
                        faults: {hang_every: 2}
                    """, 9, "clients[0].faults.hang_every");
            assertThat(e.problem()).contains("scheduler 'r1'");
        }

        @Test
        void firstJobManualWithoutReleaseAt() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        first_job: manual
                    """, 5, "clients[0].first_job");
            assertThat(e.problem()).contains("release_at");
        }

        @Test
        void releaseAtWithoutAManualClient() {
            ScenarioException e = rejects("""
                    name: x
                    release_at: 10ms
                    clients:
                      - name: a
                        job_duration: 5ms
                    """, 2, "release_at");
            assertThat(e.problem()).contains("first_job: manual");
        }

        @Test
        void unknownFirstJobValue() {
            ScenarioException e = rejects("""
                    name: x
                    release_at: 10ms
                    clients:
                      - name: a
                        job_duration: 5ms
                        first_job: auto
                    """, 6, "clients[0].first_job");
            assertThat(e.problem()).isEqualTo("unknown value 'auto'; the only value is 'manual'");
        }

        @Test
        void unknownPriority() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        priority: urgent
                    """, 5, "clients[0].priority");
            assertThat(e.problem()).isEqualTo("unknown priority 'urgent'; use kernel, high, normal or low");
        }

        @Test
        void unknownPolicy() {
            ScenarioException e = rejects("""
                    name: x
                    policy: edf
                    clients:
                      - name: a
                        job_duration: 5ms
                    """, 2, "policy");
            assertThat(e.problem()).isEqualTo("unknown policy 'edf'; use fifo, rr or fair");
        }

        @Test
        void listWhereAValueBelongs() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: [a, b]
                        job_duration: 5ms
                    """, 3, "clients[0].name");
            assertThat(e.problem()).isEqualTo("must be a single value, not a list or mapping");
            rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration:
                          - 5ms
                    """, 5, "clients[0].job_duration");
            rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        credits: {n: 1}
                    """, 5, "clients[0].credits");
        }

        @Test
        void valueWhereAListBelongs() {
            ScenarioException e = rejects("""
                    name: x
                    clients: a
                    """, 2, "clients");
            assertThat(e.problem()).startsWith("must be a list");
            rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        schedulers: gpu
                    """, 5, "clients[0].schedulers");
            rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        depends_on: b
                      - name: b
                        job_duration: 5ms
                    """, 5, "clients[0].depends_on");
        }

        @Test
        void valueWhereAMappingBelongs() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        faults: 3
                    """, 5, "clients[0].faults");
            assertThat(e.problem()).startsWith("must be a mapping");
            rejects("""
                    name: x
                    clients:
                      - just-a-name
                    """, 3, "clients[0]");
        }

        @Test
        void wholeFileThatIsNotAMapping() {
            ScenarioException e = rejects("- a\n- b\n", 1, null);
            assertThat(e.problem()).startsWith("must be a mapping");
        }

        @Test
        void notABoolean() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        job_duration: 5ms
                        sync: maybe
                    """, 5, "clients[0].sync");
            assertThat(e.problem()).isEqualTo("must be true or false, got 'maybe'");
        }

        @Test
        void emptyFile() {
            ScenarioException e = rejects("", 1, null);
            assertThat(e.problem()).contains("empty", "name", "clients");
            rejects("# nothing but a comment\n", 1, null);
        }

        @Test
        void missingName() {
            ScenarioException e = rejects("""
                    clients:
                      - name: a
                        job_duration: 5ms
                    """, 1, "name");
            assertThat(e.problem()).isEqualTo("missing");
        }

        @Test
        void emptyName() {
            rejects("""
                    name: ""
                    clients:
                      - name: a
                        job_duration: 5ms
                    """, 1, "name");
        }

        @Test
        void missingClientName() {
            rejects("""
                    name: x
                    clients:
                      - job_duration: 5ms
                    """, 3, "clients[0].name");
        }

        @Test
        void missingClients() {
            ScenarioException e = rejects("name: x\n", 1, "clients");
            assertThat(e.problem()).contains("missing", "at least one client");
        }

        @Test
        void emptyClientList() {
            rejects("""
                    name: x
                    clients: []
                    """, 2, "clients");
        }

        @Test
        void emptySchedulerList() {
            rejects("""
                    name: x
                    schedulers: []
                    clients:
                      - name: a
                        job_duration: 5ms
                    """, 2, "schedulers");
        }

        @Test
        void missingJobDuration() {
            ScenarioException e = rejects("""
                    name: x
                    clients:
                      - name: a
                        wait: 1ms
                    """, 3, "clients[0].job_duration");
            assertThat(e.problem()).contains("missing", "2500us");
        }

        @Test
        void missingFileNamesTheFileAndSaysSo(@TempDir Path dir) {
            Path missing = dir.resolve("nope.yaml");
            ScenarioException e = catchThrowableOfType(ScenarioException.class, () -> ScenarioParser.parse(missing));
            assertThat(e.file()).isEqualTo(missing.toString());
            assertThat(e.getMessage()).startsWith(missing + ": ").containsIgnoringCase("no such file");
        }

        @Test
        void fileErrorsNameThePathAsGiven(@TempDir Path dir) throws Exception {
            Path f = Files.writeString(dir.resolve("bad.yaml"), "name: x\nclients:\n  - name: a\n    job_duration: 5\n");
            ScenarioException e = catchThrowableOfType(ScenarioException.class, () -> ScenarioParser.parse(f));
            assertThat(e.getMessage()).startsWith(f + ":4: field 'clients[0].job_duration': ");
        }
    }

    @Nested
    class DefaultsAndUnits {

        @Test
        void everyDefaultOfTheContract() throws Exception {
            Scenario sc = parses(MINIMAL);
            assertThat(sc.name()).isEqualTo("minimal");
            assertThat(sc.durationNanos()).isEqualTo(1_000_000_000L);
            assertThat(sc.policy()).isEqualTo(Policy.FAIR);
            assertThat(sc.schedulers()).containsExactly(new SchedulerSpec("gpu", 1, -1));
            assertThat(sc.releaseAtNanos()).isEqualTo(-1);
            ClientSpec c = sc.clients().getFirst();
            assertThat(c).isEqualTo(new ClientSpec("a", Priority.NORMAL, List.of("gpu"), 1, 5_000_000L, 1, false, 0,
                    -1, false, List.of(), false, Faults.NONE));
            assertThat(sc.durationOf(c)).isEqualTo(1_000_000_000L);
            assertThat(sc.cyclesOf(c)).isEqualTo(200);
        }

        @Test
        void schedulerDefaults() throws Exception {
            Scenario sc = parses("""
                    name: x
                    schedulers:
                      - name: r0
                      - name: r1
                        credit_limit: 3
                        timeout: none
                      - name: r2
                        timeout: 20ms
                    clients:
                      - name: a
                        job_duration: 5ms
                    """);
            assertThat(sc.schedulers()).containsExactly(new SchedulerSpec("r0", 1, -1),
                    new SchedulerSpec("r1", 3, -1), new SchedulerSpec("r2", 1, 20_000_000L));
            // A client without 'schedulers' uses all of them: a load-balanced entity.
            assertThat(sc.clients().getFirst().schedulers()).containsExactly("r0", "r1", "r2");
        }

        @Test
        void unitsAndDecimals() throws Exception {
            String[][] cases = {
                {"7ns", "7"}, {"7us", "7000"}, {"7ms", "7000000"}, {"7s", "7000000000"},
                {"1.5ms", "1500000"}, {"2.5us", "2500"}, {"0.25s", "250000000"}, {"2500us", "2500000"},
                {"1.000ms", "1000000"}, {"5 ms", "5000000"},
            };
            for (String[] c : cases) {
                Scenario sc = parses("""
                        name: x
                        duration: 1ms
                        clients:
                          - name: a
                            job_duration: %s
                        """.formatted(c[0]));
                assertThat(sc.clients().getFirst().jobDurationNanos()).as(c[0]).isEqualTo(Long.parseLong(c[1]));
            }
        }

        @Test
        void bareZeroNeedsNoUnitWhereZeroIsAllowed() throws Exception {
            Scenario sc = parses("""
                    name: x
                    release_at: 0
                    clients:
                      - name: a
                        job_duration: 5ms
                        wait: 0
                        first_job: manual
                      - name: b
                        job_duration: 5ms
                        wait: 0ms
                    """);
            assertThat(sc.releaseAtNanos()).isZero();
            assertThat(sc.clients()).extracting(ClientSpec::waitNanos).containsExactly(0L, 0L);
        }

        @Test
        void everyClientFieldIsRead() throws Exception {
            Scenario sc = parses("""
                    name: all-fields
                    duration: 2s
                    policy: fifo
                    release_at: 10ms
                    schedulers:
                      - name: gfx
                        credit_limit: 4
                        timeout: 500ms
                      - name: compute
                        credit_limit: 2
                        timeout: 1s
                    clients:
                      - name: heavy
                        priority: high
                        schedulers: [gfx, compute]
                        jobs_per_cycle: 3
                        job_duration: 2500us
                        credits: 2
                        sync: true
                        wait: 1.5ms
                        duration: 300ms
                        chain: true
                        depends_on: [light]
                        first_job: manual
                        faults: {hang_every: 25, fail_every: 10}
                      - name: light
                        priority: low
                        schedulers:
                          - compute
                        job_duration: 1ms
                        sync: false
                        chain: false
                        faults:
                          fail_every: 3
                    """);
            assertThat(sc.name()).isEqualTo("all-fields");
            assertThat(sc.durationNanos()).isEqualTo(2_000_000_000L);
            assertThat(sc.policy()).isEqualTo(Policy.FIFO);
            assertThat(sc.releaseAtNanos()).isEqualTo(10_000_000L);
            assertThat(sc.schedulers()).containsExactly(new SchedulerSpec("gfx", 4, 500_000_000L),
                    new SchedulerSpec("compute", 2, 1_000_000_000L));
            assertThat(sc.clients()).containsExactly(
                    new ClientSpec("heavy", Priority.HIGH, List.of("gfx", "compute"), 3, 2_500_000L, 2, true,
                            1_500_000L, 300_000_000L, true, List.of("light"), true, new Faults(25, 10)),
                    new ClientSpec("light", Priority.LOW, List.of("compute"), 1, 1_000_000L, 1, false, 0, -1,
                            false, List.of(), false, new Faults(0, 3)));
            ClientSpec heavy = sc.clients().getFirst();
            assertThat(sc.durationOf(heavy)).isEqualTo(300_000_000L);
            assertThat(heavy.workNanos()).isEqualTo(7_500_000L);
            assertThat(heavy.periodNanos()).isEqualTo(9_000_000L);
            // ceil(300 / 9) = 34
            assertThat(sc.cyclesOf(heavy)).isEqualTo(34);
            assertThat(sc.cyclesOf(sc.clients().get(1))).isEqualTo(2000);
        }

        @Test
        void flowAndBlockListsMeanTheSame() throws Exception {
            String flow = """
                    name: x
                    schedulers: [{name: r0, credit_limit: 2}, {name: r1}]
                    clients:
                      - {name: a, job_duration: 1ms, schedulers: [r0, r1], depends_on: [b]}
                      - {name: b, job_duration: 1ms}
                    """;
            String block = """
                    name: x
                    schedulers:
                      - name: r0
                        credit_limit: 2
                      - name: r1
                    clients:
                      - name: a
                        job_duration: 1ms
                        schedulers:
                          - r0
                          - r1
                        depends_on:
                          - b
                      - name: b
                        job_duration: 1ms
                    """;
            assertThat(parses(flow)).isEqualTo(parses(block));
            assertThat(parses(flow).clients().getFirst().schedulers()).containsExactly("r0", "r1");
        }

        @Test
        void policiesAndPrioritiesIgnoreCase() throws Exception {
            Scenario sc = parses("""
                    name: x
                    policy: RR
                    clients:
                      - name: a
                        priority: Kernel
                        job_duration: 5ms
                    """);
            assertThat(sc.policy()).isEqualTo(Policy.RR);
            assertThat(sc.clients().getFirst().priority()).isEqualTo(Priority.KERNEL);
        }

        @Test
        void plannedCyclesRoundUp() throws Exception {
            Scenario sc = parses("""
                    name: x
                    duration: 100ms
                    clients:
                      - name: uneven
                        jobs_per_cycle: 3
                        job_duration: 7ms
                        wait: 2ms
                      - name: even
                        job_duration: 20ms
                        wait: 5ms
                      - name: longer-than-the-window
                        job_duration: 150ms
                    """);
            // ceil(100 / 23) = 5, 100 / 25 = 4, ceil(100 / 150) = 1
            assertThat(sc.clients()).extracting(sc::cyclesOf).containsExactly(5L, 4L, 1L);
        }
    }
}
