package org.gpusched.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.gpusched.exec.NonBlocking;
import org.junit.jupiter.api.Test;

/** Callback registration, removal, ordering, threads and isolation from each other. */
class FenceCallbackTest {

    private final Timeline timeline = Timeline.create("cb", new FakeClock(0));
    private final List<String> log = new CopyOnWriteArrayList<>();

    private Recorder rec(String label) {
        return new Recorder(label, log);
    }

    @Test
    void callbacksRunOnceInRegistrationOrder() {
        FenceSource s = timeline.newFence();
        List<Recorder> rs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Recorder r = rec("r" + i);
            rs.add(r);
            assertThat(s.fence().addCallback(r)).isTrue();
        }
        assertThat(log).isEmpty();
        s.signal();
        assertThat(log).containsExactly("r0", "r1", "r2", "r3", "r4", "r5");
        assertThat(rs).allSatisfy(r -> {
            assertThat(r.runs).hasValue(1);
            assertThat(r.fences).containsExactly(s.fence());
        });
    }

    @Test
    void callbacksRunOnTheSignallingThread() throws Exception {
        FenceSource s = timeline.newFence();
        Recorder r = rec("r");
        s.fence().addCallback(r);
        Thread signaller = new Thread(s::signal, "signaller");
        signaller.start();
        signaller.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(signaller.isAlive()).isFalse();
        assertThat(r.thread).isSameAs(signaller);
    }

    @Test
    void addCallbackAfterSignalReturnsFalseAndNeverRunsIt() {
        FenceSource s = timeline.newFence();
        s.signal();
        Recorder r = rec("late");
        assertThat(s.fence().addCallback(r)).isFalse();
        assertThat(r.isRegistered()).isFalse();
        s.signal();
        assertThat(r.runs).hasValue(0);
    }

    @Test
    void onSignalReturnsTheNodeBeforeSignalAndNullAfter() {
        FenceSource s = timeline.newFence();
        List<Fence> seen = new ArrayList<>();
        FenceCallback node = s.fence().onSignal(seen::add);
        assertThat(node).isNotNull();
        assertThat(node.isRegistered()).isTrue();
        s.signal();
        assertThat(seen).containsExactly(s.fence());
        assertThat(node.isRegistered()).isFalse();
        assertThat(s.fence().onSignal(seen::add)).isNull();
        assertThat(seen).hasSize(1);
    }

    @Test
    void onSignalNodeCanBeRemoved() {
        FenceSource s = timeline.newFence();
        AtomicBoolean ran = new AtomicBoolean();
        FenceCallback node = s.fence().onSignal(f -> ran.set(true));
        assertThat(s.fence().removeCallback(node)).isTrue();
        s.signal();
        assertThat(ran).isFalse();
    }

    @Test
    void removeBeforeSignalPreventsTheCallbackAndReturnsTrue() {
        FenceSource s = timeline.newFence();
        Recorder a = rec("a");
        Recorder b = rec("b");
        s.fence().addCallback(a);
        s.fence().addCallback(b);
        assertThat(s.fence().removeCallback(a)).isTrue();
        assertThat(a.isRegistered()).isFalse();
        s.signal();
        assertThat(log).containsExactly("b");
        assertThat(a.runs).hasValue(0);
    }

    @Test
    void removeAfterSignalReturnsFalse() {
        FenceSource s = timeline.newFence();
        Recorder a = rec("a");
        s.fence().addCallback(a);
        s.signal();
        assertThat(s.fence().removeCallback(a)).isFalse();
        assertThat(a.runs).hasValue(1);
    }

    @Test
    void removeTwiceReturnsFalseTheSecondTime() {
        FenceSource s = timeline.newFence();
        Recorder a = rec("a");
        s.fence().addCallback(a);
        assertThat(s.fence().removeCallback(a)).isTrue();
        assertThat(s.fence().removeCallback(a)).isFalse();
    }

    @Test
    void removeOfANodeNeverRegisteredOrRegisteredElsewhereReturnsFalse() {
        FenceSource s = timeline.newFence();
        FenceSource other = timeline.newFence();
        Recorder never = rec("never");
        Recorder elsewhere = rec("elsewhere");
        other.fence().addCallback(elsewhere);
        assertThat(s.fence().removeCallback(never)).isFalse();
        assertThat(s.fence().removeCallback(elsewhere)).isFalse();
        assertThat(elsewhere.isRegistered()).isTrue();
        other.signal();
        assertThat(elsewhere.runs).hasValue(1);
    }

    @Test
    void removingHeadMiddleAndTailKeepsTheRestInOrder() {
        FenceSource s = timeline.newFence();
        List<Recorder> rs = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Recorder r = rec("r" + i);
            rs.add(r);
            s.fence().addCallback(r);
        }
        assertThat(s.fence().removeCallback(rs.get(0))).isTrue();
        assertThat(s.fence().removeCallback(rs.get(6))).isTrue();
        assertThat(s.fence().removeCallback(rs.get(3))).isTrue();
        assertThat(s.fence().removeCallback(rs.get(4))).isTrue();
        s.signal();
        assertThat(log).containsExactly("r1", "r2", "r5");
    }

    @Test
    void listIsUsableAgainAfterEveryNodeWasRemoved() {
        FenceSource s = timeline.newFence();
        Recorder a = rec("a");
        Recorder b = rec("b");
        Recorder c = rec("c");
        s.fence().addCallback(a);
        s.fence().addCallback(b);
        s.fence().removeCallback(b);
        s.fence().removeCallback(a);
        s.fence().addCallback(c);
        s.fence().addCallback(a);
        s.signal();
        assertThat(log).containsExactly("c", "a");
    }

    @Test
    void removedNodeCanBeRegisteredAgainAndThenRunsOnce() {
        FenceSource s = timeline.newFence();
        Recorder a = rec("a");
        Recorder b = rec("b");
        s.fence().addCallback(a);
        s.fence().addCallback(b);
        s.fence().removeCallback(a);
        assertThat(s.fence().addCallback(a)).isTrue();
        s.signal();
        // Re-registration puts it at the end.
        assertThat(log).containsExactly("b", "a");
        assertThat(a.runs).hasValue(1);
    }

    @Test
    void nodeCannotBeRegisteredTwiceOnTheSameFence() {
        FenceSource s = timeline.newFence();
        Recorder a = rec("a");
        assertThat(s.fence().addCallback(a)).isTrue();
        assertThatThrownBy(() -> s.fence().addCallback(a)).isInstanceOf(IllegalStateException.class);
        s.signal();
        assertThat(a.runs).hasValue(1);
    }

    @Test
    void nodeCannotBeRegisteredOnASecondFenceWhileRegisteredOnTheFirst() {
        FenceSource first = timeline.newFence();
        FenceSource second = timeline.newFence();
        Recorder a = rec("a");
        Recorder b = rec("b");
        first.fence().addCallback(a);
        first.fence().addCallback(b);
        // Both the head (next set) and the tail (next null) of a list are taken.
        assertThatThrownBy(() -> second.fence().addCallback(a)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> second.fence().addCallback(b)).isInstanceOf(IllegalStateException.class);
        second.signal();
        assertThat(log).isEmpty();
        first.signal();
        assertThat(log).containsExactly("a", "b");
    }

    @Test
    void isRegisteredTracksTheNodeLifecycle() {
        FenceSource s = timeline.newFence();
        Recorder a = rec("a");
        assertThat(a.isRegistered()).isFalse();
        s.fence().addCallback(a);
        assertThat(a.isRegistered()).isTrue();
        s.fence().removeCallback(a);
        assertThat(a.isRegistered()).isFalse();
        s.fence().addCallback(a);
        s.signal();
        assertThat(a.isRegistered()).isFalse();
    }

    @Test
    void nodeIsFreeForAnotherFenceOnceItsCallbackHasRun() {
        FenceSource first = timeline.newFence();
        FenceSource second = timeline.newFence();
        Recorder a = rec("a");
        first.fence().addCallback(a);
        first.signal();
        assertThat(second.fence().addCallback(a)).isTrue();
        second.signal();
        assertThat(a.fences).containsExactly(first.fence(), second.fence());
    }

    @Test
    void nodeCanReRegisterItselfOnAnotherFenceFromInsideItsOwnCallback() {
        // The chaining pattern: a dependency callback moves on to the next dependency.
        FenceSource first = timeline.newFence();
        FenceSource second = timeline.newFence();
        List<Fence> seen = new ArrayList<>();
        AtomicReference<Boolean> reRegistered = new AtomicReference<>();
        FenceCallback chain = new FenceCallback() {
            @Override
            protected void onSignaled(Fence fence) {
                seen.add(fence);
                if (fence == first.fence()) {
                    reRegistered.set(second.fence().addCallback(this));
                }
            }
        };
        first.fence().addCallback(chain);
        Recorder after = rec("after");
        first.fence().addCallback(after);
        first.signal();
        assertThat(reRegistered).hasValue(true);
        assertThat(seen).containsExactly(first.fence());
        assertThat(after.runs).hasValue(1);
        second.signal();
        assertThat(seen).containsExactly(first.fence(), second.fence());
    }

    @Test
    void callbackAddedToTheSameFenceFromInsideACallbackIsRejected() {
        FenceSource s = timeline.newFence();
        Recorder late = rec("late");
        AtomicReference<Boolean> added = new AtomicReference<>();
        s.fence().onSignal(f -> added.set(f.addCallback(late)));
        s.signal();
        assertThat(added).hasValue(false);
        assertThat(late.runs).hasValue(0);
    }

    @Test
    void reRegisteringANodeThatHasNotRunYetDoesNotDisturbTheOtherFence() {
        // Node b waits on `first` behind a callback that runs before it and registers b (not
        // started yet, so not free) and then a fresh node d on `second`. Whatever addCallback
        // answers for b, d belongs to `second` alone: it must not run for `first`, and it must
        // run once when `second` signals.
        FenceSource first = timeline.newFence();
        FenceSource second = timeline.newFence();
        Recorder b = rec("b");
        Recorder d = rec("d");
        AtomicReference<Boolean> bMoved = new AtomicReference<>();
        first.fence().onSignal(f -> {
            try {
                bMoved.set(second.fence().addCallback(b));
            } catch (IllegalStateException notFreeYet) {
                bMoved.set(false);
            }
            second.fence().addCallback(d);
        });
        first.fence().addCallback(b);
        first.signal();
        assertThat(b.fences).containsExactly(first.fence());
        assertThat(d.runs).as("d is registered on the other fence only").hasValue(0);
        assertThat(d.isRegistered()).isTrue();
        second.signal();
        assertThat(d.fences).containsExactly(second.fence());
        if (bMoved.get()) {
            assertThat(b.fences).containsExactly(first.fence(), second.fence());
        } else {
            assertThat(b.fences).containsExactly(first.fence());
        }
    }

    @Test
    void throwingCallbacksDoNotStopLaterOnes() {
        FenceSource s = timeline.newFence();
        Recorder a = rec("a");
        Recorder c = rec("c");
        Recorder e = rec("e");
        s.fence().addCallback(a);
        s.fence().onSignal(f -> {
            throw new IllegalStateException("callback failure (expected by the test)");
        });
        s.fence().addCallback(c);
        s.fence().onSignal(f -> {
            throw new AssertionError("callback error (expected by the test)");
        });
        s.fence().addCallback(e);
        assertThat(s.signal()).isTrue();
        assertThat(log).containsExactly("a", "c", "e");
        assertThat(s.fence().isSignaled()).isTrue();
        assertThat(NonBlocking.active()).as("the non-blocking section was left").isFalse();
    }

    @Test
    void callbacksRunInsideANonBlockingSectionThatEndsAfterThem() {
        FenceSource s = timeline.newFence();
        AtomicReference<Boolean> active = new AtomicReference<>();
        s.fence().onSignal(f -> active.set(NonBlocking.active()));
        assertThat(NonBlocking.active()).isFalse();
        s.signal();
        assertThat(active).hasValue(true);
        assertThat(NonBlocking.active()).isFalse();
    }

    @Test
    void blockingAwaitInsideACallbackThrowsIllegalState() {
        FenceSource s = timeline.newFence();
        Fence other = timeline.newFence().fence();
        AtomicReference<Throwable> awaitThrew = new AtomicReference<>();
        AtomicReference<Throwable> timedAwaitThrew = new AtomicReference<>();
        s.fence().onSignal(f -> {
            try {
                other.await();
            } catch (Throwable t) {
                awaitThrew.set(t);
            }
            try {
                other.await(Duration.ofSeconds(30));
            } catch (Throwable t) {
                timedAwaitThrew.set(t);
            }
        });
        s.signal();
        assertThat(awaitThrew.get()).isInstanceOf(IllegalStateException.class);
        assertThat(timedAwaitThrew.get()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void awaitingAnAlreadySignalledFenceInsideACallbackReturnsAtOnce() throws Exception {
        // It cannot block, so it is allowed.
        FenceSource s = timeline.newFence();
        AtomicReference<Object> result = new AtomicReference<>();
        s.fence().onSignal(f -> {
            try {
                f.await();
                result.set(Fence.signaled().await(Duration.ZERO));
            } catch (Throwable t) {
                result.set(t);
            }
        });
        s.signal();
        assertThat(result).hasValue(true);
    }

    @Test
    void callbacksRunWithNoFenceLockHeld() {
        FenceSource s = timeline.newFence();
        AtomicReference<Boolean> holds = new AtomicReference<>();
        s.fence().onSignal(f -> holds.set(Thread.holdsLock(f)));
        s.signal();
        assertThat(holds).hasValue(false);
    }

    @Test
    void callbackMaySignalAnotherFenceWhoseCallbacksRunNested() {
        FenceSource a = timeline.newFence();
        FenceSource b = timeline.newFence();
        a.fence().addCallback(rec("a1"));
        a.fence().onSignal(f -> b.signal());
        a.fence().addCallback(rec("a3"));
        b.fence().addCallback(rec("b1"));
        a.signal();
        assertThat(b.isSignaled()).isTrue();
        assertThat(log).containsExactly("a1", "b1", "a3");
        assertThat(NonBlocking.active()).isFalse();
    }

    @Test
    void nullCallbacksAreRejected() {
        Fence f = timeline.newFence().fence();
        assertThatThrownBy(() -> f.addCallback(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> f.removeCallback(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> f.onSignal(null)).isInstanceOf(NullPointerException.class);
    }
}
