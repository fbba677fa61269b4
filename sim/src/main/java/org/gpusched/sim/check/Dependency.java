package org.gpusched.sim.check;

/**
 * One planned dependency of a job: a fence of an earlier job (its finished or its scheduled
 * fence), a driver fence that a scheduled event signals, or a composite
 * ({@link org.gpusched.fence.Fence#all}, {@link org.gpusched.fence.Fence#any}) of the finished
 * fences of two earlier jobs.
 *
 * @param kind  which fence
 * @param index the earlier job's index, or the driver fence's index ({@link Kind#DRIVER})
 * @param other the second earlier job of a composite, or -1
 */
public record Dependency(Kind kind, int index, int other) {

    /** What a dependency points at. */
    public enum Kind {
        /** The finished fence of an earlier job. */
        FINISHED,
        /** The scheduled fence of an earlier job. */
        SCHEDULED,
        /** A driver fence of the scenario. */
        DRIVER,
        /** {@code Fence.all} of the finished fences of two earlier jobs. */
        ALL,
        /** {@code Fence.any} of the finished fences of two earlier jobs. */
        ANY
    }

    /** A dependency on one fence. */
    public Dependency(Kind kind, int index) {
        this(kind, index, -1);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case FINISHED -> "finished(job " + index + ")";
            case SCHEDULED -> "scheduled(job " + index + ")";
            case DRIVER -> "driver(" + index + ")";
            case ALL -> "all(job " + index + ", job " + other + ")";
            case ANY -> "any(job " + index + ", job " + other + ")";
        };
    }
}
