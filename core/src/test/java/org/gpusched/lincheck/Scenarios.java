package org.gpusched.lincheck;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.Validate;

/**
 * Hand-written Lincheck scenarios, for the interleavings a small random budget might miss:
 * each test adds its known-interesting scenario so that CI explores it on every run.
 */
final class Scenarios {

    private Scenarios() {
    }

    /** A call of {@code target}'s operation {@code name} with {@code args}. */
    static Actor op(Class<?> target, String name, Object... args) {
        for (Method m : target.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                return new Actor(m, Arrays.asList(args));
            }
        }
        throw new IllegalArgumentException(target.getSimpleName() + " has no operation " + name + "/" + args.length);
    }

    /** A scenario: {@code init} alone, then {@code parallel} (one list per thread), then {@code post} alone. */
    static ExecutionScenario scenario(Class<?> target, List<Actor> init, List<List<Actor>> parallel, List<Actor> post) {
        Actor validation = null;
        for (Method m : target.getMethods()) {
            if (m.isAnnotationPresent(Validate.class)) {
                validation = new Actor(m, List.of());
            }
        }
        return new ExecutionScenario(init, parallel, post, validation);
    }
}
