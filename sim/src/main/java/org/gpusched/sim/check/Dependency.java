package org.gpusched.sim.check;

/**
 * One planned dependency of a job: a fence of an earlier job (its finished or its scheduled
 * fence) or a driver fence that a scheduled event signals.
 *
 * @param kind  which fence
 * @param index the earlier job's index ({@link Kind#FINISHED}, {@link Kind#SCHEDULED}) or the
 *              driver fence's index ({@link Kind#DRIVER})
 */
public record Dependency(Kind kind, int index) {

    /** What a dependency points at. */
    public enum Kind {
        /** The finished fence of an earlier job. */
        FINISHED,
        /** The scheduled fence of an earlier job. */
        SCHEDULED,
        /** A driver fence of the scenario. */
        DRIVER
    }

    @Override
    public String toString() {
        return switch (kind) {
            case FINISHED -> "finished(job " + index + ")";
            case SCHEDULED -> "scheduled(job " + index + ")";
            case DRIVER -> "driver(" + index + ")";
        };
    }
}
