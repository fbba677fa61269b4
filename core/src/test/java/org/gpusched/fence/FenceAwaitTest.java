package org.gpusched.fence;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Blocking waits on real threads and the happens-before edge from signaller to observers.
 * Waits are bounded only to turn a hang into a failure; nothing asserts how long anything took.
 */
class FenceAwaitTest {

    private static final long HANG_GUARD_MS = 20_000;

    private final Timeline timeline = Timeline.create("await");

    /** Polls until {@code condition} holds; false if it did not within the hang guard. */
    private static boolean eventually(BooleanSupplier condition) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HANG_GUARD_MS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            Thread.onSpinWait();
            Thread.yield();
        }
        return true;
    }

    private static boolean isParked(Thread t) {
        Thread.State st = t.getState();
        return st == Thread.State.WAITING || st == Thread.State.TIMED_WAITING;
    }

    @Test
    void awaitOnASignalledFenceReturnsAtOnce() throws Exception {
        FenceSource s = timeline.newFence();
        s.signal(FenceError.KILLED);
        s.fence().await();
        assertThat(s.fence().await(Duration.ZERO)).isTrue();
        assertThat(s.fence().awaitNanos(-1)).isTrue();
    }

    @Test
    void blockingAwaitWakesWhenAnotherThreadSignals() throws Exception {
        FenceSource s = timeline.newFence();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Boolean> sawSignalled = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                s.fence().await();
                sawSignalled.set(s.fence().isSignaled());
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "waiter");
        waiter.start();
        // Signal only once the waiter is really parked, so the wake-up path is what is tested.
        assertThat(eventually(() -> isParked(waiter))).isTrue();
        s.signal();
        waiter.join(HANG_GUARD_MS);
        assertThat(waiter.isAlive()).as("waiter woke up").isFalse();
        assertThat(failure.get()).isNull();
        assertThat(sawSignalled).hasValue(true);
    }

    @Test
    void timedAwaitReturnsTrueWhenSignalledWhileWaiting() throws Exception {
        FenceSource s = timeline.newFence();
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                result.complete(s.fence().await(Duration.ofMinutes(5)));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, "timed-waiter");
        waiter.start();
        assertThat(eventually(() -> isParked(waiter))).isTrue();
        s.signal();
        assertThat(result.get(HANG_GUARD_MS, TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    void manyWaitersAreAllWokenBySignal() throws Exception {
        FenceSource s = timeline.newFence();
        int n = 8;
        AtomicInteger woke = new AtomicInteger();
        Thread[] waiters = new Thread[n];
        for (int i = 0; i < n; i++) {
            waiters[i] = new Thread(() -> {
                try {
                    s.fence().await();
                    woke.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "waiter-" + i);
            waiters[i].start();
        }
        for (Thread w : waiters) {
            assertThat(eventually(() -> isParked(w))).isTrue();
        }
        s.signal();
        for (Thread w : waiters) {
            w.join(HANG_GUARD_MS);
            assertThat(w.isAlive()).isFalse();
        }
        assertThat(woke).hasValue(n);
    }

    @Test
    void timedAwaitTimesOutAndReturnsFalse() throws Exception {
        FenceSource s = timeline.newFence();
        assertThat(s.fence().await(Duration.ofMillis(20))).isFalse();
        assertThat(s.fence().awaitNanos(TimeUnit.MILLISECONDS.toNanos(5))).isFalse();
        assertThat(s.fence().isSignaled()).isFalse();
    }

    @Test
    void zeroAndNegativeTimeoutsPollWithoutBlocking() throws Exception {
        FenceSource s = timeline.newFence();
        assertThat(s.fence().await(Duration.ZERO)).isFalse();
        assertThat(s.fence().await(Duration.ofSeconds(-5))).isFalse();
        assertThat(s.fence().awaitNanos(0)).isFalse();
    }

    @Test
    void timedOutWaitLeavesNoCallbackBehind() throws Exception {
        // The waiter's internal node must be removed, so the fence's callbacks are exactly
        // the ones registered by the test, still in order.
        FenceSource s = timeline.newFence();
        Recorder a = new Recorder("a", new CopyOnWriteArrayList<>());
        s.fence().addCallback(a);
        assertThat(s.fence().await(Duration.ofMillis(1))).isFalse();
        Recorder b = new Recorder("b", a.log);
        s.fence().addCallback(b);
        s.signal();
        assertThat(a.log).containsExactly("a", "b");
    }

    @Test
    void interruptWhileBlockedThrowsInterruptedException() throws Exception {
        FenceSource s = timeline.newFence();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                s.fence().await();
                thrown.set(new AssertionError("await returned without a signal"));
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "interrupted-waiter");
        waiter.start();
        assertThat(eventually(() -> isParked(waiter))).isTrue();
        waiter.interrupt();
        waiter.join(HANG_GUARD_MS);
        assertThat(waiter.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(s.fence().isSignaled()).isFalse();
        // The fence is unaffected by the abandoned wait.
        assertThat(s.signal()).isTrue();
    }

    @Test
    void interruptDuringATimedWaitThrowsInterruptedException() throws Exception {
        FenceSource s = timeline.newFence();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                s.fence().await(Duration.ofMinutes(5));
                thrown.set(new AssertionError("await returned without a signal"));
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "interrupted-timed-waiter");
        waiter.start();
        assertThat(eventually(() -> isParked(waiter))).isTrue();
        waiter.interrupt();
        waiter.join(HANG_GUARD_MS);
        assertThat(waiter.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    }

    @Test
    void alreadyInterruptedThreadGetsInterruptedExceptionOnAPendingFence() {
        FenceSource s = timeline.newFence();
        Thread.currentThread().interrupt();
        try {
            s.fence().await();
            throw new AssertionError("await returned on a pending fence");
        } catch (InterruptedException expected) {
            assertThat(s.fence().isSignaled()).isFalse();
        } finally {
            Thread.interrupted();
        }
    }

    /** Plain (non-volatile) data published only through the fence. */
    private static final class Payload {
        int value;
        int check;
    }

    @Test
    void writesBeforeSignalAreVisibleToThreadsThatSawTheSignal() throws Exception {
        int rounds = 20_000;
        FenceSource[] sources = new FenceSource[rounds];
        Payload[] data = new Payload[rounds];
        for (int i = 0; i < rounds; i++) {
            sources[i] = timeline.newFence();
            data[i] = new Payload();
        }
        AtomicReference<String> spinFailure = new AtomicReference<>();
        AtomicReference<String> awaitFailure = new AtomicReference<>();
        AtomicReference<String> callbackFailure = new AtomicReference<>();
        // A third observer: callbacks, which run on the signalling thread but are registered
        // here, before the writes.
        for (int i = 0; i < rounds; i++) {
            int k = i;
            sources[i].fence().onSignal(f -> {
                if (data[k].value != k + 1 || f.error().errno() != expectedErrno(k)) {
                    callbackFailure.compareAndSet(null, "callback round " + k);
                }
            });
        }
        Thread spinner = new Thread(() -> {
            for (int i = 0; i < rounds && spinFailure.get() == null; i++) {
                Fence f = sources[i].fence();
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HANG_GUARD_MS);
                while (!f.isSignaled()) {
                    if (System.nanoTime() - end > 0) {
                        spinFailure.set("round " + i + " never signalled");
                        return;
                    }
                    Thread.onSpinWait();
                }
                Payload p = data[i];
                if (p.value != i + 1 || p.check != ~(i + 1) || f.error().errno() != expectedErrno(i)) {
                    spinFailure.set("round " + i + ": saw value " + p.value + ", error " + f.error());
                }
            }
        }, "spinner");
        Thread awaiter = new Thread(() -> {
            try {
                for (int i = 0; i < rounds; i += 4) {
                    Fence f = sources[i].fence();
                    if (!f.await(Duration.ofMillis(HANG_GUARD_MS))) {
                        awaitFailure.set("round " + i + " never signalled");
                        return;
                    }
                    Payload p = data[i];
                    if (p.value != i + 1 || p.check != ~(i + 1) || f.error().errno() != expectedErrno(i)) {
                        awaitFailure.set("round " + i + ": saw value " + p.value + ", error " + f.error());
                        return;
                    }
                }
            } catch (InterruptedException e) {
                awaitFailure.set("interrupted");
            }
        }, "awaiter");
        Thread writer = new Thread(() -> {
            for (int i = 0; i < rounds; i++) {
                data[i].value = i + 1;
                data[i].check = ~(i + 1);
                sources[i].signal(expectedErrno(i) == 0 ? FenceError.NONE : FenceError.of(expectedErrno(i)));
            }
        }, "writer");
        spinner.start();
        awaiter.start();
        writer.start();
        writer.join(HANG_GUARD_MS);
        spinner.join(HANG_GUARD_MS);
        awaiter.join(HANG_GUARD_MS);
        assertThat(writer.isAlive() || spinner.isAlive() || awaiter.isAlive()).isFalse();
        assertThat(spinFailure.get()).isNull();
        assertThat(awaitFailure.get()).isNull();
        assertThat(callbackFailure.get()).isNull();
    }

    private static int expectedErrno(int round) {
        return round % 3 == 0 ? FenceError.TIMED_OUT.errno() : 0;
    }
}
