package org.gpusched.capi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Handles: slot + generation + type, checked without ever being dereferenced. */
class HandlesTest {

    private final Handles h = new Handles();

    @Test
    void aLiveHandleResolvesOnlyAsItsOwnType() {
        Object o = new Object();
        long fence = h.add(Handles.FENCE, o);
        assertThat(h.get(fence, Handles.FENCE)).isSameAs(o);
        assertThat(h.get(fence, Handles.JOB)).isNull();
        assertThat(h.get(fence, Handles.TIMELINE)).isNull();
    }

    @Test
    void nullAndForeignValuesResolveToNothing() {
        h.add(Handles.FENCE, new Object());
        assertThat(h.get(0, Handles.FENCE)).isNull();
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            long v = r.nextLong();
            Object got = h.get(v, Handles.FENCE);
            if (got != null) {
                // Only the one issued handle may resolve.
                assertThat(v).isEqualTo(((long) 1 << 32) | Handles.FENCE);
            }
        }
    }

    @Test
    void theLastReleaseMakesTheHandleStaleAndTheSlotIsReusedWithANewGeneration() {
        Object a = new Object();
        long ha = h.add(Handles.FENCE, a);
        assertThat(h.retain(ha, Handles.FENCE)).isTrue();
        assertThat(h.release(ha, Handles.FENCE)).isSameAs(h); // one reference left
        assertThat(h.get(ha, Handles.FENCE)).isSameAs(a);
        assertThat(h.release(ha, Handles.FENCE)).isSameAs(a); // the last one
        assertThat(h.get(ha, Handles.FENCE)).isNull();
        assertThat(h.release(ha, Handles.FENCE)).isNull();
        assertThat(h.retain(ha, Handles.FENCE)).isFalse();
        long hb = h.add(Handles.FENCE, new Object());
        assertThat(hb).isNotEqualTo(ha);
        assertThat(hb & 0xFFFFFFF0L).isEqualTo(ha & 0xFFFFFFF0L); // same slot
        assertThat(h.get(ha, Handles.FENCE)).as("the old handle stays stale").isNull();
        assertThat(h.live()).isEqualTo(1);
    }

    @Test
    void removeMakesAHandleStaleWhateverItsCount() {
        long j = h.add(Handles.JOB, new Object());
        h.retain(j, Handles.JOB);
        assertThat(h.remove(j, Handles.JOB)).isNotNull();
        assertThat(h.get(j, Handles.JOB)).isNull();
        assertThat(h.remove(j, Handles.JOB)).isNull();
    }

    @Test
    void theTableGrowsPastItsFirstChunk() {
        long[] all = new long[5000];
        for (int i = 0; i < all.length; i++) {
            all[i] = h.add(Handles.TIMELINE, i);
        }
        for (int i = 0; i < all.length; i++) {
            assertThat(h.get(all[i], Handles.TIMELINE)).isEqualTo(i);
        }
    }
}
