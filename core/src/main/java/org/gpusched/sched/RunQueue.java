package org.gpusched.sched;

/**
 * The run queue of one scheduler: which entity's head job runs next, for the three policies
 * (the kernel's {@code sched_rq.c}).
 *
 * <p>Model: every entity with queued jobs is in the queue with a key (FIFO: submit time of its
 * head job; RR: a per-queue counter; FAIR: virtual runtime) and a tie-break sequence number, so
 * equal keys keep insertion order exactly as the kernel's rb-tree does. Instead of scanning past
 * entities whose head job waits on a dependency (the kernel walks its tree), we keep two heaps:
 * <ul>
 *   <li>{@code ready[q]}: entities whose head job can run, ordered by (key, seq); selection is
 *       the top of the first non-empty one, O(1), and every update is O(log n), so selection
 *       does not grow with the number of entities;</li>
 *   <li>{@code all} (FAIR only): every queued entity, for the kernel's {@code min_vruntime}
 *       and {@code head_prio}, which include blocked entities.</li>
 * </ul>
 * FIFO and RR have one queue per priority, scanned from KERNEL down (strict priority); FAIR has
 * one queue. Not thread-safe: confined to the scheduler's lane.
 */
final class RunQueue {

    /** The kernel's vruntime_shift[]: KERNEL 1, HIGH 2, NORMAL 4, LOW 7. */
    private static final int[] VRUNTIME_SHIFT = {1, 2, 4, 7};
    /** The kernel's DRM_SCHED_PRIORITY_INVALID: no entity at the head. */
    static final int NO_PRIORITY = -1;

    private final Policy policy;
    private final Heap[] ready;
    private final Heap all;
    private final long[] rrTs;
    private long seq;
    /** Heap ids of entities that left the queue, for reuse: ids stay dense, so heap positions fit in small arrays. */
    private int[] freeIds = new int[16];
    private int freeCount;
    private int nextId;
    private int headPrio = NO_PRIORITY;

    RunQueue(Policy policy) {
        this.policy = policy;
        int queues = policy == Policy.FAIR ? 1 : Priority.values().length;
        this.ready = new Heap[queues];
        for (int i = 0; i < queues; i++) {
            ready[i] = new Heap();
        }
        this.all = policy == Policy.FAIR ? new Heap() : null;
        this.rrTs = new long[queues];
    }

    /** The next entity to run from: the best ready one of the highest non-empty priority, or null. */
    Entity<?> peekReady() {
        for (Heap h : ready) {
            Entity<?> e = h.peek();
            if (e != null) {
                return e;
            }
        }
        return null;
    }

    /**
     * An idle entity got its first queued job (the kernel's rq_add_entity): it joins with a key
     * that depends on the policy. It is not ready until {@link #setReady} says so.
     */
    void add(Entity<?> e, Job<?> head, long schedulerAvgJobUs) {
        e.rqIndex = policy == Policy.FAIR ? 0 : e.priority().ordinal();
        long k = switch (policy) {
            case FIFO -> head.submitTime;
            case RR -> e.rrTs;
            case FAIR -> restoreVruntime(e, minVruntime(), headPrio, schedulerAvgJobUs);
        };
        setKey(e, k);
        e.inRunQueue = true;
        if (e.rqId < 0) {
            e.rqId = freeCount > 0 ? freeIds[--freeCount] : nextId++;
        }
        if (all != null) {
            all.add(e, e.rqId);
            updateHeadPrio();
        }
    }

    /**
     * A job was popped from {@code e} (the kernel's rq_pop_entity): re-key it for its next job,
     * or take it out if it has none. The entity is no longer ready; its next head must be
     * resolved again.
     */
    void afterPop(Entity<?> e, Job<?> next) {
        setReady(e, false);
        if (next != null) {
            long k = switch (policy) {
                case FIFO -> next.submitTime;
                case RR -> {
                    long t = ++rrTs[e.rqIndex];
                    e.rrTs = t;
                    yield t;
                }
                case FAIR -> updateVruntime(e);
            };
            setKey(e, k);
            if (all != null) {
                all.remove(e.rqId);
                all.add(e, e.rqId);
                updateHeadPrio();
            }
        } else {
            remove(e);
            if (policy == Policy.FAIR) {
                saveVruntime(e, minVruntime());
            }
        }
    }

    /** Takes {@code e} out entirely (killed, closed, moved). */
    void remove(Entity<?> e) {
        setReady(e, false);
        if (all != null && all.contains(e.rqId)) {
            all.remove(e.rqId);
            updateHeadPrio();
        }
        e.inRunQueue = false;
        int id = e.rqId;
        if (id >= 0) {
            if (freeCount == freeIds.length) {
                freeIds = java.util.Arrays.copyOf(freeIds, freeCount * 2);
            }
            freeIds[freeCount++] = id;
            e.rqId = -1;
        }
    }

    /** Marks whether {@code e}'s head job can run now (its dependencies signalled). */
    void setReady(Entity<?> e, boolean r) {
        if (e.ready == r) {
            return;
        }
        e.ready = r;
        if (r) {
            ready[e.rqIndex].add(e, e.rqId);
        } else {
            ready[e.rqIndex].remove(e.rqId);
        }
    }

    /**
     * Applies a priority change. FIFO/RR move the entity to the queue of its new priority,
     * keeping its key; FAIR reads the priority at the next vruntime update, as the kernel does.
     */
    void priorityChanged(Entity<?> e) {
        if (policy == Policy.FAIR || !e.inRunQueue) {
            return;
        }
        int q = e.priority().ordinal();
        if (q == e.rqIndex) {
            return;
        }
        boolean wasReady = e.ready;
        setReady(e, false);
        e.rqIndex = q;
        setReady(e, wasReady);
    }

    private void setKey(Entity<?> e, long k) {
        e.key = k;
        e.keySeq = ++seq;
    }

    // ------------------------------------------------------------------ FAIR (sched_rq.c)

    private long minVruntime() {
        Entity<?> e = all.peek();
        return e == null ? 0 : e.vruntime;
    }

    private void updateHeadPrio() {
        Entity<?> e = all.peek();
        headPrio = e == null ? NO_PRIORITY : e.priority().ordinal();
    }

    /** vruntime += (new GPU time since the last update) << shift[priority]. */
    private static long updateVruntime(Entity<?> e) {
        long runtime = e.runtimeNanos();
        long delta = runtime - e.prevRuntime;
        e.prevRuntime = runtime;
        e.vruntime += delta << VRUNTIME_SHIFT[e.priority().ordinal()];
        return e.vruntime;
    }

    /** Going idle: remember the position relative to the queue's head. */
    private static void saveVruntime(Entity<?> e, long minVruntime) {
        e.vruntime = (minVruntime != 0 && e.vruntime > minVruntime) ? e.vruntime - minVruntime : 0;
    }

    /**
     * Rejoining: restore the relative position; an entity that had caught up with the head is
     * placed by priority against the head, and at equal priority the one with shorter jobs goes
     * first ("favour interactive clients slightly").
     */
    private static long restoreVruntime(Entity<?> e, long minVruntime, int headPrio, long schedulerAvgJobUs) {
        long v = e.vruntime;
        int prio = e.priority().ordinal();
        if (v == 0 && headPrio != NO_PRIORITY) {
            long avgUs = e.avgJobUs.read();
            if (prio > headPrio) {
                v = ((1 + avgUs + schedulerAvgJobUs) << VRUNTIME_SHIFT[prio]) * 1000L;
            } else if (prio < headPrio) {
                v = -(headPrio - prio);
            } else {
                v = avgUs <= schedulerAvgJobUs ? -1 : 1;
            }
        }
        e.vruntime = minVruntime + v;
        return e.vruntime;
    }

    // ------------------------------------------------------------------ heap

    /**
     * A 4-ary min-heap of entities by (key, keySeq), with O(log n) removal by id.
     *
     * <p>Laid out for the cache, since at 10,000 entities sifting was the lane's largest cost:
     * an entity's key does not change while it is in a heap (it is re-keyed only while out), so
     * the heap keeps each slot's key and seq side by side in one array, the slot's dense
     * run-queue id in another, and each id's position in a third; a sift reads and writes only
     * these arrays, never an entity. Four children per node halve the depth of a binary heap,
     * and their keys share one cache line.
     */
    static final class Heap {
        private static final int ARITY = 4;

        /** Slot i's key at 2i, its seq at 2i + 1. */
        private long[] kv = new long[2 * 16];
        private int[] ids = new int[16];
        /** Position by id, -1 when absent. */
        private int[] pos = filled(16);
        /** Entity by id (written on add, read on peek). */
        private Entity<?>[] byId = new Entity<?>[16];
        private int size;

        private static int[] filled(int n) {
            int[] a = new int[n];
            java.util.Arrays.fill(a, -1);
            return a;
        }

        Entity<?> peek() {
            return size == 0 ? null : byId[ids[0]];
        }

        int size() {
            return size;
        }

        boolean contains(int id) {
            return id >= 0 && id < pos.length && pos[id] >= 0;
        }

        void add(Entity<?> e, int id) {
            if (id < 0) {
                throw new IllegalStateException("entity " + e.name() + " has no run-queue id");
            }
            if (id >= pos.length) {
                int old = pos.length;
                int n = Math.max(id + 1, old * 2);
                pos = java.util.Arrays.copyOf(pos, n);
                java.util.Arrays.fill(pos, old, n, -1);
                byId = java.util.Arrays.copyOf(byId, n);
            }
            if (pos[id] >= 0) {
                throw new IllegalStateException("entity " + e.name() + " is in the heap already");
            }
            if (size == ids.length) {
                ids = java.util.Arrays.copyOf(ids, size * 2);
                kv = java.util.Arrays.copyOf(kv, size * 4);
            }
            byId[id] = e;
            siftUp(size++, id, e.key, e.keySeq);
        }

        void remove(int id) {
            if (!contains(id)) {
                return;
            }
            int i = pos[id];
            pos[id] = -1;
            byId[id] = null;
            int last = --size;
            if (i == last) {
                return;
            }
            int movedId = ids[last];
            long k = kv[2 * last];
            long q = kv[2 * last + 1];
            siftDown(i, movedId, k, q);
            if (pos[movedId] == i) {
                siftUp(i, movedId, k, q);
            }
        }

        private void put(int i, int id, long k, long q) {
            ids[i] = id;
            kv[2 * i] = k;
            kv[2 * i + 1] = q;
            pos[id] = i;
        }

        /** True if slot {@code i} orders before key {@code k}, seq {@code q}. */
        private boolean before(int i, long k, long q) {
            long ik = kv[2 * i];
            return ik < k || (ik == k && kv[2 * i + 1] < q);
        }

        /** Places {@code id} (key {@code k}, seq {@code q}) at {@code i} or above. */
        private void siftUp(int i, int id, long k, long q) {
            while (i > 0) {
                int parent = (i - 1) / ARITY;
                if (!before(parent, k, q)) {
                    put(i, ids[parent], kv[2 * parent], kv[2 * parent + 1]);
                    i = parent;
                } else {
                    break;
                }
            }
            put(i, id, k, q);
        }

        /** Places {@code id} (key {@code k}, seq {@code q}) at {@code i} or below. */
        private void siftDown(int i, int id, long k, long q) {
            for (;;) {
                int first = ARITY * i + 1;
                if (first >= size) {
                    break;
                }
                int best = first;
                int end = Math.min(first + ARITY, size);
                for (int c = first + 1; c < end; c++) {
                    if (before(c, kv[2 * best], kv[2 * best + 1])) {
                        best = c;
                    }
                }
                if (!before(best, k, q)) {
                    break;
                }
                put(i, ids[best], kv[2 * best], kv[2 * best + 1]);
                i = best;
            }
            put(i, id, k, q);
        }
    }
}
