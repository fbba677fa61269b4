package org.gpusched.sim.soak;

import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The realtime fault-injection soak: rounds of random configurations (schedulers with chaos
 * backends on real ring threads, entities of every priority, some load-balanced) under many
 * submitting threads, random dependencies, random faults, priority changes, kills and closes,
 * each round torn down and checked by a {@link SoakChecker}, until the time is up.
 *
 * <p>Timings differ from run to run (real threads); the seed fixes each round's configuration
 * and the random choices, not their interleaving.
 */
public final class ChaosSoak {

    private ChaosSoak() {
    }

    /**
     * What to run.
     *
     * @param duration how long to run rounds (the last round is shortened to fit)
     * @param seed     seed of the rounds' configurations
     * @param threads  submitting threads per round
     */
    public record Options(Duration duration, long seed, int threads) {

        /** Validates. */
        public Options {
            Objects.requireNonNull(duration, "duration");
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("duration must be positive: " + duration);
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
        }
    }

    /** Rounds shorter than this are not started: the time left is too short to be worth a round. */
    private static final long MIN_ROUND_NANOS = 100_000_000L;

    /**
     * Runs rounds until {@code options.duration()} is used up (or a round cannot tear down),
     * accumulating into {@code stats} (which the caller may read for progress meanwhile).
     *
     * @return the final totals
     */
    public static SoakSummary run(Options options, SoakStats stats) {
        Objects.requireNonNull(stats, "stats");
        long deadline = System.nanoTime() + options.duration().toNanos();
        SplittableRandom seeds = new SplittableRandom(options.seed());
        for (int round = 0; ; round++) {
            long left = deadline - System.nanoTime();
            long roundSeed = seeds.nextLong();
            if (left < MIN_ROUND_NANOS && round > 0) {
                break;
            }
            // Leave time for the teardown of the last round (closes and flushes are short).
            RoundConfig config = RoundConfig.draw(roundSeed, round, Math.max(MIN_ROUND_NANOS / 2, left - 50_000_000L));
            SoakRound r = new SoakRound(options.seed(), config, options.threads(), stats);
            boolean tornDown = r.run();
            if (r.checker().violations() > 0) {
                stats.failedRound(config.describe());
            }
            if (!tornDown) {
                break;
            }
            stats.roundDone();
        }
        return stats.snapshot();
    }
}
