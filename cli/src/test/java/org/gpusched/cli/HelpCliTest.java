package org.gpusched.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gpusched.cli.Cli.gpusched;

import java.util.List;
import org.gpusched.cli.Cli.Outcome;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.OptionSpec;

/** {@code --help} of each lab command documents every option it has. */
class HelpCliTest {

    private static void listsEveryOption(String command, List<String> expected) {
        Outcome o = gpusched(command, "--help");
        assertThat(o.status()).isZero();
        assertThat(o.out()).contains(expected).contains("FILE.yaml").contains("Exit status:");
        // Also any option added later, straight from the command's model.
        List<OptionSpec> options = Main.commandLine().getSubcommands().get(command).getCommandSpec().options();
        assertThat(options).extracting(OptionSpec::longestName).containsExactlyInAnyOrderElementsOf(expected);
        for (OptionSpec opt : options) {
            assertThat(o.out()).contains(opt.longestName());
            for (String line : opt.description()) {
                assertThat(line).isNotBlank();
            }
        }
    }

    @Test
    void runHelpListsEveryOption() {
        listsEveryOption("run", List.of("--policy", "--json", "--trace", "--plot", "--realtime", "--backend", "--device", "--jfr", "--help",
                "--version"));
        assertThat(gpusched("run", "--help").out()).contains("fifo|rr|fair", "0 ", "1 ", "2 ");
    }

    @Test
    void compareHelpListsEveryOption() {
        listsEveryOption("compare", List.of("--plot", "--json", "--help", "--version"));
    }

    @Test
    void topLevelHelpListsTheLabCommands() {
        Outcome o = gpusched("--help");
        assertThat(o.status()).isZero();
        assertThat(o.out()).contains("run", "compare");
        assertThat(gpusched("help", "run").out()).contains("--realtime");
    }
}
