package org.gpusched.bench;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Function;

/**
 * The baseline every figure is compared with: the scheduler a Java developer would write in an
 * afternoon with {@link CompletableFuture}, an executor and a {@link Semaphore} for credits.
 * Per-entity FIFO queues, dependencies through {@code allOf(...).thenRun}, round robin across
 * entities, one single-threaded executor as the dispatcher. No ordering or teardown guarantees
 * beyond per-entity FIFO; kept small and straightforward on purpose, not sabotaged: it is what
 * gpusched has to beat.
 *
 * <p>Thread-safe: submissions from any thread; all scheduling on the executor's thread.
 */
public final class BaselineScheduler implements AutoCloseable {

    /** A job: its credits, its dependencies and its completion. */
    public static final class Job {
        final int credits;
        final CompletableFuture<Void> deps;
        final Object payload;
        /** Completes when the job is done. */
        public final CompletableFuture<Void> finished = new CompletableFuture<>();

        Job(int credits, CompletableFuture<Void> deps, Object payload) {
            this.credits = credits;
            this.deps = deps;
            this.payload = payload;
        }

        /** The payload given at submission. */
        public Object payload() {
            return payload;
        }
    }

    /** A client's FIFO queue. */
    public final class Entity {
        private final ConcurrentLinkedQueue<Job> queue = new ConcurrentLinkedQueue<>();
        /** In {@code active}; touched only on the dispatcher thread. */
        private boolean listed;

        /** Submits a job with {@code credits} that runs after {@code deps}. */
        public Job submit(Object payload, int credits, CompletableFuture<?>... deps) {
            Job j = new Job(credits, deps.length == 0 ? DONE : CompletableFuture.allOf(deps), payload);
            queue.add(j);
            dispatcher.execute(() -> {
                if (!listed) {
                    listed = true;
                    active.add(this);
                }
                pump();
            });
            if (!j.deps.isDone()) {
                j.deps.thenRun(() -> dispatcher.execute(BaselineScheduler.this::pump));
            }
            return j;
        }
    }

    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final ExecutorService dispatcher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "baseline-dispatcher");
        t.setDaemon(true);
        return t;
    });
    private final Semaphore credits;
    private final Function<Job, CompletableFuture<Void>> backend;
    /** Entities in round-robin order; touched only on the dispatcher thread. */
    private final ArrayDeque<Entity> active = new ArrayDeque<>();

    /**
     * @param creditLimit credits on the hardware at most
     * @param backend     runs a job and returns its hardware completion
     */
    public BaselineScheduler(int creditLimit, Function<Job, CompletableFuture<Void>> backend) {
        this.credits = new Semaphore(creditLimit);
        this.backend = backend;
    }

    /** A new entity. */
    public Entity newEntity() {
        return new Entity();
    }

    /** Runs the ready head jobs of the entities with work, round robin, while credits last. */
    private void pump() {
        int blocked = 0;
        while (blocked < active.size()) {
            Entity e = active.poll();
            Job head = e.queue.peek();
            if (head == null) {
                e.listed = false;
                continue;
            }
            active.add(e);
            if (!head.deps.isDone()) {
                blocked++;
                continue;
            }
            if (!credits.tryAcquire(head.credits)) {
                return; // a completion releases credits and pumps again
            }
            e.queue.poll();
            blocked = 0;
            backend.apply(head).whenComplete((v, t) -> {
                credits.release(head.credits);
                head.finished.complete(null);
                dispatcher.execute(this::pump);
            });
        }
    }

    @Override
    public void close() {
        dispatcher.shutdownNow();
    }
}
