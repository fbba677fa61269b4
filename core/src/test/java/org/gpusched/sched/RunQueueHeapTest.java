package org.gpusched.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.Fence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The run queue's heap against a sorted set: the same random adds and removes (keys from a small
 * range, so that ties on the key are common and the seq decides), and after every step the heap's
 * top is the set's first. The heap is a 4-ary array heap with positions by id, where an off-by-one
 * in a sift would go unnoticed by the scheduling tests as long as the queue stays small.
 */
class RunQueueHeapTest {

    private final VirtualDispatcher dispatcher = new VirtualDispatcher();
    private final Scheduler<Object> scheduler = Scheduler.builder(new Backend<Object>() {
        @Override
        public Fence run(JobView<Object> job) {
            return Fence.signaled();
        }

        @Override
        public TimeoutVerdict timedOut(JobView<Object> job) {
            return TimeoutVerdict.RESET;
        }

        @Override
        public void free(JobView<Object> job) {
        }
    }).name("heap").dispatcher(dispatcher).build();

    @AfterEach
    void close() {
        scheduler.close();
        dispatcher.close();
    }

    private static final Comparator<Entity<?>> ORDER =
            Comparator.<Entity<?>>comparingLong(e -> e.key).thenComparingLong(e -> e.keySeq);

    @Test
    void heapTopIsAlwaysTheLeastKeyThenSeqUnderRandomAddsAndRemoves() {
        int population = 700; // deep enough for four levels of a 4-ary heap
        List<Entity<Object>> entities = new ArrayList<>();
        for (int i = 0; i < population; i++) {
            entities.add(scheduler.newEntity("e" + i, Priority.NORMAL));
        }
        for (long seed = 1; seed <= 20; seed++) {
            Random rnd = new Random(seed);
            RunQueue.Heap heap = new RunQueue.Heap();
            TreeSet<Entity<?>> reference = new TreeSet<>(ORDER);
            long seq = 0;
            for (int step = 0; step < 20_000; step++) {
                int id = rnd.nextInt(population);
                Entity<Object> e = entities.get(id);
                if (heap.contains(id)) {
                    heap.remove(id);
                    assertThat(reference.remove(e)).isTrue();
                    assertThat(heap.contains(id)).isFalse();
                } else {
                    e.key = rnd.nextInt(8); // many equal keys
                    e.keySeq = ++seq;
                    heap.add(e, id);
                    reference.add(e);
                }
                assertThat(heap.size()).isEqualTo(reference.size());
                assertThat(heap.peek()).as("seed %d step %d", seed, step)
                        .isSameAs(reference.isEmpty() ? null : reference.first());
            }
            while (!reference.isEmpty()) { // drain in order
                Entity<?> top = heap.peek();
                assertThat(top).isSameAs(reference.pollFirst());
                heap.remove(entities.indexOf(top));
            }
            assertThat(heap.peek()).isNull();
        }
    }

    @Test
    void addingAnEntityTwiceIsRefused() {
        Entity<Object> e = scheduler.newEntity("twice", Priority.NORMAL);
        RunQueue.Heap heap = new RunQueue.Heap();
        heap.add(e, 3);
        assertThatThrownBy(() -> heap.add(e, 3)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("in the heap already");
        assertThatThrownBy(() -> heap.add(e, -1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no run-queue id");
    }
}
