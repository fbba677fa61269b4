package org.gpusched.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.cli.Cli.gpusched;

import java.util.List;
import org.gpusched.cli.Cli.Outcome;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code gpusched soak}: a short run ends with the summary and status 0 (no violation), progress
 * goes to stderr, and bad options are usage errors.
 */
class SoakCliTest {

    @Test
    void aShortSoakPrintsItsSummaryAndExitsZero() {
        Outcome o = gpusched("soak", "--minutes", "0.05", "--seed", "5", "--threads", "4");
        assertThat(o.status()).as("out: %s%nerr: %s", o.out(), o.err()).isZero();
        assertThat(o.out()).startsWith("soak from seed 5: ")
                .contains("jobs submitted: ", "jobs finished by outcome: ", "faults injected: ",
                        "invariant violations: 0", "OK: no invariant violated");
        // One progress line per second on stderr: rounds, jobs, faults, violations.
        assertThat(o.err()).contains("rounds, ").contains(" jobs, ").contains(" faults, ").contains(" violations, ");
    }

    @Test
    void nonPositiveMinutesOrThreadsAreUsageErrors() {
        assertThat(gpusched("soak", "--minutes", "0").status()).isEqualTo(2);
        assertThat(gpusched("soak", "--minutes", "-1").status()).isEqualTo(2);
        assertThat(gpusched("soak", "--threads", "0", "--minutes", "0.01").status()).isEqualTo(2);
        assertThat(gpusched("soak", "--minutes", "soon").status()).isEqualTo(2);
    }

    @Test
    void soakHelpDocumentsEveryOption() {
        Outcome o = gpusched("soak", "--help");
        assertThat(o.status()).isZero();
        assertThat(o.out()).contains("--minutes", "--seed", "--threads", "Exit status:");
        List<OptionSpec> options = Main.commandLine().getSubcommands().get("soak").getCommandSpec().options();
        assertThat(options).extracting(OptionSpec::longestName)
                .containsExactlyInAnyOrder("--minutes", "--seed", "--threads", "--help", "--version");
        assertThat(gpusched("--help").out()).contains("soak");
    }
}
