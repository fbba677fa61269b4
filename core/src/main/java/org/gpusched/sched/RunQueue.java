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
            Node n = h.peek();
            if (n != null) {
                return n.entity;
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
        if (all != null) {
            all.add(e.allNode);
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
                all.remove(e.allNode);
                all.add(e.allNode);
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
        if (all != null && e.allNode.index >= 0) {
            all.remove(e.allNode);
            updateHeadPrio();
        }
        e.inRunQueue = false;
    }

    /** Marks whether {@code e}'s head job can run now (its dependencies signalled). */
    void setReady(Entity<?> e, boolean r) {
        if (e.ready == r) {
            return;
        }
        e.ready = r;
        if (r) {
            ready[e.rqIndex].add(e.readyNode);
        } else {
            ready[e.rqIndex].remove(e.readyNode);
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
        Node n = all.peek();
        return n == null ? 0 : n.entity.vruntime;
    }

    private void updateHeadPrio() {
        Node n = all.peek();
        headPrio = n == null ? NO_PRIORITY : n.entity.priority().ordinal();
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

    /** A heap slot of an entity; each entity has one per heap it can be in. */
    static final class Node {
        final Entity<?> entity;
        int index = -1;

        Node(Entity<?> entity) {
            this.entity = entity;
        }
    }

    /**
     * A binary min-heap of entity nodes by (key, keySeq), with O(log n) removal by index. An
     * entity's key does not change while it is in a heap (it is re-keyed only while out), so the
     * heap keeps a copy of each key in arrays parallel to the nodes: sifting compares array
     * slots instead of following node and entity references, which at 10,000 entities were a
     * cache miss per comparison.
     */
    static final class Heap {
        private Node[] nodes = new Node[16];
        private long[] keys = new long[16];
        private long[] seqs = new long[16];
        private int size;

        Node peek() {
            return size == 0 ? null : nodes[0];
        }

        int size() {
            return size;
        }

        void add(Node n) {
            if (n.index >= 0) {
                throw new IllegalStateException("entity " + n.entity.name() + " is in the heap already");
            }
            if (size == nodes.length) {
                nodes = java.util.Arrays.copyOf(nodes, size * 2);
                keys = java.util.Arrays.copyOf(keys, size * 2);
                seqs = java.util.Arrays.copyOf(seqs, size * 2);
            }
            int i = size++;
            siftUp(i, n, n.entity.key, n.entity.keySeq);
        }

        void remove(Node n) {
            int i = n.index;
            if (i < 0) {
                return;
            }
            n.index = -1;
            int last = --size;
            Node moved = nodes[last];
            long k = keys[last];
            long q = seqs[last];
            nodes[last] = null;
            if (i == last) {
                return;
            }
            siftDown(i, moved, k, q);
            if (nodes[i] == moved) {
                siftUp(i, moved, k, q);
            }
        }

        private void put(int i, Node n, long k, long q) {
            nodes[i] = n;
            keys[i] = k;
            seqs[i] = q;
            n.index = i;
        }

        /** Places {@code n} (key {@code k}, seq {@code q}) at {@code i} or above. */
        private void siftUp(int i, Node n, long k, long q) {
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                long pk = keys[parent];
                if (k > pk || (k == pk && q >= seqs[parent])) {
                    break;
                }
                put(i, nodes[parent], pk, seqs[parent]);
                i = parent;
            }
            put(i, n, k, q);
        }

        /** Places {@code n} (key {@code k}, seq {@code q}) at {@code i} or below. */
        private void siftDown(int i, Node n, long k, long q) {
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                int right = child + 1;
                if (right < size && (keys[right] < keys[child]
                        || (keys[right] == keys[child] && seqs[right] < seqs[child]))) {
                    child = right;
                }
                long ck = keys[child];
                if (ck > k || (ck == k && seqs[child] >= q)) {
                    break;
                }
                put(i, nodes[child], ck, seqs[child]);
                i = child;
            }
            put(i, n, k, q);
        }
    }
}
