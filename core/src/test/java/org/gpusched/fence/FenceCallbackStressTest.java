package org.gpusched.fence;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Real threads racing callback registration and removal against the signal. Whatever the
 * interleaving, a callback runs exactly once if its last registration succeeded and was not
 * taken back, and never otherwise.
 */
class FenceCallbackStressTest {

    private static final long SEED = Long.getLong("gpusched.test.seed", 0x5EED_F0CEL);
    private static final int ROUNDS = 300;
    private static final int REGISTRARS = 6;
    private static final int NODES_PER_REGISTRAR = 40;

    /** One node and what its registrar learnt from the fence's answers. */
    private static final class Tracked {
        final Recorder node = new Recorder();
        /** 1 if the node's last registration succeeded and was not removed afterwards. */
        int expectedRuns;
        /** True if the fence refused a registration because it had signalled. */
        boolean rejected;
    }

    @Test
    void everyRegisteredAndNotRemovedCallbackRunsExactlyOnceAndRemovedOnesNever() throws Exception {
        SplittableRandom master = new SplittableRandom(SEED);
        ExecutorService pool = Executors.newFixedThreadPool(REGISTRARS + 1);
        long totalRan = 0;
        long totalRemoved = 0;
        long totalRejected = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                FenceSource source = Timeline.create("stress").newFence();
                Fence fence = source.fence();
                CountDownLatch start = new CountDownLatch(1);
                List<List<Tracked>> perThread = new ArrayList<>();
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < REGISTRARS; t++) {
                    List<Tracked> mine = new ArrayList<>();
                    for (int i = 0; i < NODES_PER_REGISTRAR; i++) {
                        mine.add(new Tracked());
                    }
                    perThread.add(mine);
                    SplittableRandom rnd = master.split();
                    futures.add(pool.submit(() -> {
                        start.await();
                        for (Tracked tr : mine) {
                            registerAndMaybeRemove(fence, tr, rnd);
                        }
                        return null;
                    }));
                }
                int spinBeforeSignal = master.nextInt(2_000);
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < spinBeforeSignal; i++) {
                        Thread.onSpinWait();
                    }
                    source.signal();
                    return null;
                }));
                start.countDown();
                for (Future<?> f : futures) {
                    f.get(20, TimeUnit.SECONDS);
                }
                assertThat(fence.isSignaled()).isTrue();
                for (List<Tracked> mine : perThread) {
                    for (Tracked tr : mine) {
                        int runs = tr.node.runs.get();
                        assertThat(runs)
                                .as("seed %d round %d: runs of a node expected to run %d times", SEED, round, tr.expectedRuns)
                                .isEqualTo(tr.expectedRuns);
                        assertThat(tr.node.isRegistered()).as("seed %d round %d", SEED, round).isFalse();
                        if (runs == 1) {
                            assertThat(tr.node.fences).containsExactly(fence);
                            totalRan++;
                        }
                    }
                }
                totalRemoved += perThread.stream().flatMap(List::stream)
                        .filter(tr -> tr.expectedRuns == 0 && !tr.rejected).count();
                totalRejected += perThread.stream().flatMap(List::stream).filter(tr -> tr.rejected).count();
            }
        } finally {
            pool.shutdownNow();
        }
        // Both outcomes must have been exercised, or the test proved nothing.
        assertThat(totalRan).as("seed %d", SEED).isPositive();
        assertThat(totalRemoved).as("seed %d", SEED).isPositive();
        assertThat(totalRejected).as("seed %d", SEED).isPositive();
    }

    /**
     * Registers the node, then maybe removes it, maybe registers it again (a removed node is
     * free), tracking what the fence's answers promise.
     */
    private static void registerAndMaybeRemove(Fence fence, Tracked tr, SplittableRandom rnd) {
        int steps = 1 + rnd.nextInt(4);
        for (int s = 0; s < steps; s++) {
            if (tr.expectedRuns == 0) {
                if (fence.addCallback(tr.node)) {
                    tr.expectedRuns = 1;
                } else {
                    // Already signalled: not registered, never runs.
                    tr.rejected = true;
                    return;
                }
            } else if (rnd.nextBoolean()) {
                if (fence.removeCallback(tr.node)) {
                    tr.expectedRuns = 0;
                } else {
                    // Too late to remove: it ran or is running, exactly once.
                    return;
                }
            }
        }
    }
}
