package org.gpusched.lincheck;

/**
 * How much exploring the Lincheck tests of this package do.
 *
 * <p>The defaults keep every test of the package within a few seconds on a small CI machine.
 * A longer check raises them from the command line, for example:
 * <pre>
 *   mvn -pl core test -Dtest='*Lincheck*' -Dgpusched.lincheck.iterations=200 \
 *       -Dgpusched.lincheck.invocations=20000
 * </pre>
 * {@code iterations} is the number of random scenarios, {@code invocations} the number of
 * interleavings (model checking) or runs (stress) tried per scenario. Surefire hands
 * {@code -D} properties of the Maven command line to the test JVM.
 */
final class LincheckBudget {

    private LincheckBudget() {
    }

    /** Scenarios to generate: the system property if set, else {@code dflt}. */
    static int iterations(int dflt) {
        return Integer.getInteger("gpusched.lincheck.iterations", dflt);
    }

    /** Interleavings or runs per scenario: the system property if set, else {@code dflt}. */
    static int invocations(int dflt) {
        return Integer.getInteger("gpusched.lincheck.invocations", dflt);
    }
}
