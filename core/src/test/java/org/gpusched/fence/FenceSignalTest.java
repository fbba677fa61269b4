package org.gpusched.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;

/** Signal-once semantics, error and timestamp publication, identity accessors. */
class FenceSignalTest {

    private final FakeClock clock = new FakeClock(100);
    private final Timeline timeline = Timeline.create("t", clock);

    @Test
    void pendingFenceIsUnsignalledWithNoError() {
        FenceSource s = timeline.newFence();
        assertThat(s.isSignaled()).isFalse();
        assertThat(s.fence().isSignaled()).isFalse();
        assertThat(s.fence().error()).isEqualTo(FenceError.NONE);
        assertThat(s.fence().toString()).contains("pending");
    }

    @Test
    void signalSucceedsOnceWithoutError() {
        FenceSource s = timeline.newFence();
        assertThat(s.signal()).isTrue();
        assertThat(s.isSignaled()).isTrue();
        assertThat(s.fence().isSignaled()).isTrue();
        assertThat(s.fence().error()).isEqualTo(FenceError.NONE);
        assertThat(s.fence().error().isError()).isFalse();
    }

    @Test
    void secondSignalReturnsFalseAndChangesNeitherErrorNorTimestamp() {
        FenceSource s = timeline.newFence();
        clock.set(1_000);
        assertThat(s.signal(FenceError.TIMED_OUT)).isTrue();
        clock.set(9_000);
        assertThat(s.signal()).isFalse();
        assertThat(s.signal(FenceError.KILLED)).isFalse();
        assertThat(s.fence().error()).isEqualTo(FenceError.TIMED_OUT);
        assertThat(s.fence().timestampNanos()).isEqualTo(1_000);
    }

    @Test
    void secondSignalDoesNotRunCallbacksAgain() {
        FenceSource s = timeline.newFence();
        Recorder r = new Recorder();
        assertThat(s.fence().addCallback(r)).isTrue();
        s.signal();
        s.signal(FenceError.KILLED);
        assertThat(r.runs).hasValue(1);
    }

    @Test
    void concurrentSignalsHaveExactlyOneWinnerWhoseErrorSticks() throws Exception {
        FenceError[] errors = {FenceError.NONE, FenceError.KILLED, FenceError.TIMED_OUT, FenceError.CANCELED};
        for (int round = 0; round < 200; round++) {
            FenceSource s = timeline.newFence();
            Recorder r = new Recorder();
            s.fence().addCallback(r);
            CyclicBarrier barrier = new CyclicBarrier(errors.length);
            AtomicReferenceArray<Boolean> won = new AtomicReferenceArray<>(errors.length);
            Thread[] threads = new Thread[errors.length];
            for (int i = 0; i < errors.length; i++) {
                int k = i;
                threads[i] = new Thread(() -> {
                    try {
                        barrier.await(20, TimeUnit.SECONDS);
                        won.set(k, s.signal(errors[k]));
                    } catch (Exception e) {
                        won.set(k, null);
                    }
                });
                threads[i].start();
            }
            int winners = 0;
            FenceError winnerError = null;
            for (int i = 0; i < errors.length; i++) {
                threads[i].join(20_000);
                assertThat(threads[i].isAlive()).isFalse();
                assertThat(won.get(i)).as("round %d thread %d finished", round, i).isNotNull();
                if (won.get(i)) {
                    winners++;
                    winnerError = errors[i];
                }
            }
            assertThat(winners).as("round %d", round).isEqualTo(1);
            assertThat(s.fence().error()).as("round %d", round).isEqualTo(winnerError);
            assertThat(r.runs).as("round %d", round).hasValue(1);
        }
    }

    @Test
    void signalWithNullErrorIsRejectedAndLeavesTheFencePending() {
        FenceSource s = timeline.newFence();
        assertThatThrownBy(() -> s.signal(null)).isInstanceOf(NullPointerException.class);
        assertThat(s.isSignaled()).isFalse();
        assertThat(s.signal(FenceError.DEVICE_GONE)).isTrue();
        assertThat(s.fence().error()).isEqualTo(FenceError.DEVICE_GONE);
    }

    @Test
    void signalWithExplicitNoneIsASuccess() {
        FenceSource s = timeline.newFence();
        assertThat(s.signal(FenceError.NONE)).isTrue();
        assertThat(s.fence().error()).isEqualTo(FenceError.NONE);
        assertThat(s.fence().toString()).contains("signaled");
    }

    @Test
    void errorIsVisibleToCallbacksTogetherWithSignalledStateAndTimestamp() {
        FenceSource s = timeline.newFence();
        AtomicReference<FenceError> seenError = new AtomicReference<>();
        AtomicBoolean seenSignalled = new AtomicBoolean();
        AtomicLong seenTimestamp = new AtomicLong(-1);
        s.fence().onSignal(f -> {
            seenError.set(f.error());
            seenSignalled.set(f.isSignaled());
            seenTimestamp.set(f.timestampNanos());
        });
        clock.set(4_242);
        s.signal(FenceError.BACKEND_FAILED);
        assertThat(seenError).hasValue(FenceError.BACKEND_FAILED);
        assertThat(seenSignalled).isTrue();
        assertThat(seenTimestamp).hasValue(4_242);
    }

    @Test
    void errorOfAFenceSignalledWithAnErrorShowsInToString() {
        FenceSource s = timeline.newFence();
        s.signal(FenceError.TIMED_OUT);
        assertThat(s.fence().toString()).contains("ETIMEDOUT");
        assertThat(s.toString()).contains("ETIMEDOUT");
    }

    @Test
    void timestampThrowsBeforeSignal() {
        FenceSource s = timeline.newFence();
        assertThatThrownBy(() -> s.fence().timestampNanos()).isInstanceOf(IllegalStateException.class);
        s.signal();
        assertThat(s.fence().timestampNanos()).isEqualTo(100);
    }

    @Test
    void timestampIsReadAtSignalTimeNotAtCreation() {
        clock.set(10);
        FenceSource s = timeline.newFence();
        clock.set(77);
        s.signal();
        clock.set(500);
        assertThat(s.fence().timestampNanos()).isEqualTo(77);
    }

    @Test
    void signaledFenceIsSignalledWithoutErrorAtTimestampZero() {
        Fence f = Fence.signaled();
        assertThat(f.isSignaled()).isTrue();
        assertThat(f.error()).isEqualTo(FenceError.NONE);
        assertThat(f.timestampNanos()).isZero();
        assertThat(f.context()).isGreaterThanOrEqualTo(1);
        assertThat(f.seqno()).isEqualTo(1);
        assertThat(Fence.signaled()).isSameAs(f);
    }

    @Test
    void signaledFenceRejectsCallbacksAsAlreadySignalled() {
        Recorder r = new Recorder();
        assertThat(Fence.signaled().addCallback(r)).isFalse();
        assertThat(Fence.signaled().onSignal(f -> r.runs.incrementAndGet())).isNull();
        assertThat(r.runs).hasValue(0);
        assertThat(r.isRegistered()).isFalse();
    }

    @Test
    void laterSeqnoOnTheSameTimelineIsLater() {
        Fence a = timeline.newFence().fence();
        Fence b = timeline.newFence().fence();
        assertThat(b.isLaterThan(a)).isTrue();
        assertThat(a.isLaterThan(b)).isFalse();
        assertThat(a.isLaterThan(a)).isFalse();
    }

    @Test
    void isLaterThanRejectsFencesOfDifferentTimelines() {
        Fence a = timeline.newFence().fence();
        Fence other = Timeline.create("t", clock).newFence().fence();
        // Same name and seqno, but a different context: still unordered.
        assertThatThrownBy(() -> a.isLaterThan(other)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> other.isLaterThan(a)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fenceFailedExceptionNamesTheFenceAndItsError() {
        FenceSource s = timeline.newFence();
        s.signal(FenceError.CANCELED);
        FenceFailedException e = new FenceFailedException(s.fence());
        assertThat(e.fence()).isSameAs(s.fence());
        assertThat(e.error()).isEqualTo(FenceError.CANCELED);
        assertThat(e.getMessage()).contains("ECANCELED");
    }
}
