package org.gpusched.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The CompletionStage adapter: completion follows the fence, never the other way round. */
class FenceCompletionStageTest {

    private final Timeline timeline = Timeline.create("cs", new FakeClock(0));

    @Test
    void completesNormallyWithTheFenceOnSuccess() {
        FenceSource s = timeline.newFence();
        CompletionStage<Fence> stage = s.fence().toCompletionStage();
        AtomicReference<Fence> got = new AtomicReference<>();
        stage.thenAccept(got::set);
        assertThat(got.get()).isNull();
        s.signal();
        assertThat(got).hasValue(s.fence());
        assertThat(stage.toCompletableFuture().join()).isSameAs(s.fence());
    }

    @Test
    void completesExceptionallyWithFenceFailedExceptionOnError() {
        FenceSource s = timeline.newFence();
        CompletionStage<Fence> stage = s.fence().toCompletionStage();
        AtomicReference<Throwable> got = new AtomicReference<>();
        stage.whenComplete((f, t) -> got.set(t));
        s.signal(FenceError.TIMED_OUT);
        // The stage itself fails with the FenceFailedException, not a CompletionException wrapper.
        assertThat(got.get()).isInstanceOf(FenceFailedException.class);
        FenceFailedException e = (FenceFailedException) got.get();
        assertThat(e.fence()).isSameAs(s.fence());
        assertThat(e.error()).isEqualTo(FenceError.TIMED_OUT);
        assertThatThrownBy(() -> stage.toCompletableFuture().join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(FenceFailedException.class);
    }

    @Test
    void stageOfAnAlreadySignalledFenceIsComplete() {
        FenceSource ok = timeline.newFence();
        ok.signal();
        assertThat(ok.fence().toCompletionStage().toCompletableFuture().join()).isSameAs(ok.fence());
        FenceSource bad = timeline.newFence();
        bad.signal(FenceError.KILLED);
        assertThat(bad.fence().toCompletionStage().toCompletableFuture())
                .isCompletedExceptionally();
        assertThat(Fence.signaled().toCompletionStage().toCompletableFuture().join()).isSameAs(Fence.signaled());
    }

    @Test
    void completingTheStagesFutureIsRefusedAndAffectsNeitherTheFenceNorTheStage() {
        FenceSource s = timeline.newFence();
        CompletionStage<Fence> stage = s.fence().toCompletionStage();
        CompletableFuture<Fence> future = stage.toCompletableFuture();
        assertThatThrownBy(() -> future.complete(null)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> future.completeExceptionally(new RuntimeException("not the fence's outcome")))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> future.cancel(true)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> future.obtrudeValue(null)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(s.fence().isSignaled()).isFalse();
        assertThat(s.fence().error()).isEqualTo(FenceError.NONE);
        AtomicReference<Fence> got = new AtomicReference<>();
        stage.thenAccept(got::set);
        assertThat(got.get()).as("the stage itself is still pending").isNull();
        s.signal();
        assertThat(got).hasValue(s.fence());
        assertThat(s.fence().error()).isEqualTo(FenceError.NONE);
    }

    @Test
    void dependentStagesAreOrdinaryFutures() {
        FenceSource s = timeline.newFence();
        CompletableFuture<Long> dependent = s.fence().toCompletionStage().thenApply(Fence::seqno).toCompletableFuture();
        assertThat(dependent.complete(42L)).as("a dependent stage belongs to its caller").isTrue();
        s.signal();
        assertThat(dependent.join()).isEqualTo(42L);
    }

    @Test
    void completingTheStageObjectItselfCannotCompleteTheFence() {
        FenceSource s = timeline.newFence();
        CompletionStage<Fence> stage = s.fence().toCompletionStage();
        if (stage instanceof CompletableFuture<Fence> cf) {
            // Whether refused or accepted, the fence must not be affected.
            try {
                cf.complete(null);
            } catch (UnsupportedOperationException refused) {
                // refused: fine
            }
            try {
                cf.completeExceptionally(new RuntimeException("forged"));
            } catch (UnsupportedOperationException refused) {
                // refused: fine
            }
        }
        assertThat(s.fence().isSignaled()).isFalse();
        s.signal(FenceError.CANCELED);
        assertThat(s.fence().error()).isEqualTo(FenceError.CANCELED);
    }
}
