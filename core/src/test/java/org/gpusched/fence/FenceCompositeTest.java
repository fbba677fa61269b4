package org.gpusched.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Fence.all and Fence.any. */
class FenceCompositeTest {

    private final Timeline timeline = Timeline.create("in", new FakeClock(0));

    private List<FenceSource> sources(int n) {
        List<FenceSource> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(timeline.newFence());
        }
        return list;
    }

    // ---------------------------------------------------------------- all

    @Test
    void allOfNothingIsSignalledWithoutError() {
        Fence all = Fence.all();
        assertThat(all.isSignaled()).isTrue();
        assertThat(all.error()).isEqualTo(FenceError.NONE);
        assertThat(Fence.all(List.of()).isSignaled()).isTrue();
    }

    @Test
    void allWaitsForEveryInput() {
        List<FenceSource> in = sources(3);
        Fence all = Fence.all(in.get(0).fence(), in.get(1).fence(), in.get(2).fence());
        in.get(2).signal();
        assertThat(all.isSignaled()).isFalse();
        in.get(0).signal();
        assertThat(all.isSignaled()).isFalse();
        in.get(1).signal();
        assertThat(all.isSignaled()).isTrue();
        assertThat(all.error()).isEqualTo(FenceError.NONE);
    }

    @Test
    void allTakesTheErrorOfTheFirstInputToFailInSignallingOrder() {
        List<FenceSource> in = sources(4);
        Fence all = Fence.all(in.stream().map(FenceSource::fence).toList());
        in.get(3).signal();
        in.get(2).signal(FenceError.TIMED_OUT);
        in.get(0).signal(FenceError.KILLED);
        in.get(1).signal(FenceError.CANCELED);
        assertThat(all.error()).isEqualTo(FenceError.TIMED_OUT);
    }

    @Test
    void allSucceedsOnlyIfEveryInputSucceeded() {
        List<FenceSource> in = sources(2);
        Fence all = Fence.all(in.get(0).fence(), in.get(1).fence());
        in.get(0).signal();
        in.get(1).signal(FenceError.of(-22));
        assertThat(all.error()).isEqualTo(FenceError.of(-22));
    }

    @Test
    void allOfAlreadySignalledInputsIsSignalledAtOnce() {
        List<FenceSource> in = sources(2);
        in.get(0).signal();
        in.get(1).signal(FenceError.DEVICE_GONE);
        Fence all = Fence.all(in.get(0).fence(), in.get(1).fence(), Fence.signaled());
        assertThat(all.isSignaled()).isTrue();
        assertThat(all.error()).isEqualTo(FenceError.DEVICE_GONE);
    }

    @Test
    void allMixesSignalledAndPendingInputs() {
        List<FenceSource> in = sources(2);
        in.get(0).signal(FenceError.KILLED);
        Fence all = Fence.all(in.get(0).fence(), in.get(1).fence());
        assertThat(all.isSignaled()).isFalse();
        in.get(1).signal(FenceError.TIMED_OUT);
        assertThat(all.error()).isEqualTo(FenceError.KILLED);
    }

    @Test
    void allOfTheSameFenceTwiceSignalsWithIt() {
        FenceSource s = timeline.newFence();
        Fence all = Fence.all(s.fence(), s.fence());
        assertThat(all.isSignaled()).isFalse();
        s.signal();
        assertThat(all.isSignaled()).isTrue();
    }

    @Test
    void allHasATimelineOfItsOwn() {
        List<FenceSource> in = sources(2);
        Fence all = Fence.all(in.get(0).fence(), in.get(1).fence());
        assertThat(all.context()).isNotEqualTo(timeline.context());
        assertThat(all.timeline()).isNotSameAs(timeline);
    }

    @Test
    void allCallbacksRunWhenTheLastInputSignals() {
        List<FenceSource> in = sources(2);
        Fence all = Fence.all(in.get(0).fence(), in.get(1).fence());
        Recorder r = new Recorder();
        all.addCallback(r);
        in.get(0).signal();
        assertThat(r.runs).hasValue(0);
        in.get(1).signal();
        assertThat(r.runs).hasValue(1);
        assertThat(r.fences).containsExactly(all);
    }

    @Test
    void deadlineOnAllIsForwardedToEveryInput() {
        List<FenceSource> in = sources(3);
        List<Long> hook0 = new ArrayList<>();
        in.get(0).onDeadline(hook0::add);
        Fence all = Fence.all(in.stream().map(FenceSource::fence).toList());
        all.setDeadline(1_000);
        assertThat(in).allSatisfy(s -> assertThat(s.fence().deadlineNanos()).isEqualTo(1_000));
        all.setDeadline(400);
        assertThat(in).allSatisfy(s -> assertThat(s.fence().deadlineNanos()).isEqualTo(400));
        assertThat(hook0).containsExactly(1_000L, 400L);
    }

    @Test
    void allCollectionIsCopied() {
        List<FenceSource> in = sources(2);
        List<Fence> list = new ArrayList<>(List.of(in.get(0).fence()));
        Fence all = Fence.all(list);
        list.add(in.get(1).fence());
        in.get(0).signal();
        assertThat(all.isSignaled()).isTrue();
    }

    // ---------------------------------------------------------------- any

    @Test
    void anyOfNothingIsRejected() {
        assertThatThrownBy(Fence::any).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Fence.any(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anySignalsWithTheFirstInputAndItsError() {
        List<FenceSource> in = sources(3);
        Fence any = Fence.any(in.get(0).fence(), in.get(1).fence(), in.get(2).fence());
        assertThat(any.isSignaled()).isFalse();
        in.get(1).signal(FenceError.KILLED);
        assertThat(any.isSignaled()).isTrue();
        assertThat(any.error()).isEqualTo(FenceError.KILLED);
        in.get(0).signal();
        in.get(2).signal(FenceError.TIMED_OUT);
        assertThat(any.error()).isEqualTo(FenceError.KILLED);
    }

    @Test
    void anySucceedsWhenTheFirstInputSucceeds() {
        List<FenceSource> in = sources(2);
        Fence any = Fence.any(in.get(0).fence(), in.get(1).fence());
        in.get(0).signal();
        in.get(1).signal(FenceError.KILLED);
        assertThat(any.error()).isEqualTo(FenceError.NONE);
    }

    @Test
    void anyWithAnAlreadySignalledInputIsSignalledAtOnceWithItsError() {
        List<FenceSource> in = sources(2);
        in.get(1).signal(FenceError.CANCELED);
        Fence any = Fence.any(in.get(0).fence(), in.get(1).fence());
        assertThat(any.isSignaled()).isTrue();
        assertThat(any.error()).isEqualTo(FenceError.CANCELED);
        in.get(0).signal();
        assertThat(any.error()).isEqualTo(FenceError.CANCELED);
    }

    @Test
    void deadlineOnAnyIsForwardedToEveryInput() {
        List<FenceSource> in = sources(2);
        Fence any = Fence.any(in.get(0).fence(), in.get(1).fence());
        any.setDeadline(250);
        assertThat(in).allSatisfy(s -> assertThat(s.fence().deadlineNanos()).isEqualTo(250));
    }

    @Test
    void anyHasATimelineOfItsOwn() {
        FenceSource s = timeline.newFence();
        Fence any = Fence.any(s.fence());
        assertThat(any).isNotSameAs(s.fence());
        assertThat(any.context()).isNotEqualTo(s.fence().context());
        s.signal();
        assertThat(any.isSignaled()).isTrue();
    }
}
