package org.gpusched.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.gpusched.exec.Clock;
import org.junit.jupiter.api.Test;

/** Timelines: context ids, sequence numbers, names and clocks. */
class TimelineTest {

    @Test
    void contextIdsAreAtLeastOneAndUnique() {
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            Timeline t = Timeline.create("t" + i);
            assertThat(t.context()).isGreaterThanOrEqualTo(1);
            assertThat(seen.add(t.context())).as("context %d handed out twice", t.context()).isTrue();
        }
    }

    @Test
    void contextIdsStayUniqueWhenTimelinesAreCreatedConcurrently() throws Exception {
        int threads = 4;
        int perThread = 2000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<List<Long>>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(() -> {
                    List<Long> ids = new ArrayList<>(perThread);
                    for (int i = 0; i < perThread; i++) {
                        ids.add(Timeline.create("c").context());
                    }
                    return ids;
                });
            }
            Set<Long> all = new HashSet<>();
            for (Future<List<Long>> f : pool.invokeAll(workers, 30, TimeUnit.SECONDS)) {
                all.addAll(f.get());
            }
            assertThat(all).hasSize(threads * perThread);
            assertThat(all).allSatisfy(id -> assertThat(id).isGreaterThanOrEqualTo(1));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void seqnosStartAtOneAndIncreaseByOne() {
        Timeline t = Timeline.create("ring");
        assertThat(t.lastSeqno()).isZero();
        Fence a = t.newFence().fence();
        Fence b = t.newFence().fence();
        Fence c = t.newFence().fence();
        assertThat(a.seqno()).isEqualTo(1);
        assertThat(b.seqno()).isEqualTo(2);
        assertThat(c.seqno()).isEqualTo(3);
        assertThat(t.lastSeqno()).isEqualTo(3);
    }

    @Test
    void seqnosOfOneTimelineAreSeparateFromThoseOfAnother() {
        Timeline a = Timeline.create("a");
        Timeline b = Timeline.create("b");
        a.newFence();
        a.newFence();
        assertThat(b.newFence().fence().seqno()).isEqualTo(1);
        assertThat(a.newFence().fence().seqno()).isEqualTo(3);
    }

    @Test
    void concurrentNewFenceHandsOutEverySeqnoExactlyOnce() throws Exception {
        Timeline tl = Timeline.create("shared");
        int threads = 4;
        int perThread = 5000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<List<Long>>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(() -> {
                    List<Long> seqnos = new ArrayList<>(perThread);
                    long last = 0;
                    for (int i = 0; i < perThread; i++) {
                        long s = tl.newFence().fence().seqno();
                        // One thread sees its own seqnos increase: the counter never goes back.
                        assertThat(s).isGreaterThan(last);
                        last = s;
                        seqnos.add(s);
                    }
                    return seqnos;
                });
            }
            Set<Long> all = new HashSet<>();
            for (Future<List<Long>> f : pool.invokeAll(workers, 30, TimeUnit.SECONDS)) {
                all.addAll(f.get());
            }
            int total = threads * perThread;
            assertThat(all).hasSize(total);
            assertThat(all).allSatisfy(s -> assertThat(s).isBetween(1L, (long) total));
            assertThat(tl.lastSeqno()).isEqualTo(total);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void nameAndContextAreKeptByTheTimelineAndItsFences() {
        Timeline t = Timeline.create("gfx ring 0");
        Fence f = t.newFence().fence();
        assertThat(t.name()).isEqualTo("gfx ring 0");
        assertThat(f.timelineName()).isEqualTo("gfx ring 0");
        assertThat(f.timeline()).isSameAs(t);
        assertThat(f.context()).isEqualTo(t.context());
        assertThat(t.toString()).contains("gfx ring 0");
    }

    @Test
    void fenceIdentityStaysReadableAfterItSignals() {
        FenceSource s = Timeline.create("kept").newFence();
        Fence f = s.fence();
        long ctx = f.context();
        s.signal(FenceError.TIMED_OUT);
        assertThat(f.timelineName()).isEqualTo("kept");
        assertThat(f.context()).isEqualTo(ctx);
        assertThat(f.seqno()).isEqualTo(1);
    }

    @Test
    void defaultClockIsTheSystemClock() {
        assertThat(Timeline.create("sys").clock()).isSameAs(Clock.SYSTEM);
    }

    @Test
    void fencesAreStampedWithTheTimelineClockAtSignalTime() {
        FakeClock clock = new FakeClock(5);
        Timeline t = Timeline.create("fake", clock);
        assertThat(t.clock()).isSameAs(clock);
        FenceSource a = t.newFence();
        FenceSource b = t.newFence();
        clock.set(1_000);
        a.signal();
        clock.set(2_500);
        b.signal(FenceError.KILLED);
        assertThat(a.fence().timestampNanos()).isEqualTo(1_000);
        assertThat(b.fence().timestampNanos()).isEqualTo(2_500);
    }

    @Test
    void newFenceWithOriginRecordsIt() {
        Timeline t = Timeline.create("sched");
        Fence scheduled = t.newFence().fence();
        Object ring = new Object();
        FenceOrigin origin = new FenceOrigin(ring, scheduled);
        Fence finished = t.newFence(origin).fence();
        assertThat(finished.origin()).isSameAs(origin);
        assertThat(finished.origin().ring()).isSameAs(ring);
        assertThat(finished.origin().scheduled()).isSameAs(scheduled);
        assertThat(finished.seqno()).isEqualTo(2);
        assertThat(scheduled.origin()).isNull();
    }

    @Test
    void nullArgumentsAreRejected() {
        assertThatThrownBy(() -> Timeline.create(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Timeline.create("x", null)).isInstanceOf(NullPointerException.class);
        Timeline t = Timeline.create("x");
        assertThatThrownBy(() -> t.newFence(null)).isInstanceOf(NullPointerException.class);
        // A rejected call must not burn a seqno.
        assertThat(t.lastSeqno()).isZero();
        Fence f = t.newFence().fence();
        assertThatThrownBy(() -> new FenceOrigin(null, f)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new FenceOrigin(new Object(), null)).isInstanceOf(NullPointerException.class);
    }
}
