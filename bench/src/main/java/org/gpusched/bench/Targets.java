package org.gpusched.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.gpusched.exec.RealtimeDispatcher;
import org.gpusched.fence.Fence;
import org.gpusched.sched.Backend;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Policy;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.TimeoutVerdict;

/**
 * The two schedulers under test behind one small interface, each with a backend whose hardware
 * fence signals at once (so the scheduler's own cost is what is measured). Counting is the
 * same on both sides: one atomic increment per completed job.
 */
final class Targets {

    private Targets() {
    }

    /** Submits jobs round robin over entities and counts completions. */
    interface Target extends AutoCloseable {
        void submit(int entity);

        long completed();

        @Override
        void close();
    }

    /** Waits until {@code target} has completed at least {@code count} jobs. */
    static void awaitCompleted(Target target, long count) {
        int spins = 0;
        while (target.completed() < count) {
            if (++spins < 10_000) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /** A backend whose hardware fence has signalled when {@code run} returns. */
    static Backend<Object> signalsAtOnce() {
        return new SignalsAtOnce();
    }

    /** {@link #signalsAtOnce()} that also counts the jobs freed. */
    static Backend<Object> signalsAtOnce(AtomicLong freed) {
        return new SignalsAtOnce() {
            @Override
            public void free(JobView<Object> job) {
                freed.incrementAndGet();
            }
        };
    }

    private static class SignalsAtOnce implements Backend<Object> {
        @Override
        public Fence run(JobView<Object> job) {
            return Fence.signaled();
        }

        @Override
        public TimeoutVerdict timedOut(JobView<Object> job) {
            return TimeoutVerdict.RESET;
        }
    }

    /** gpusched on its own one-thread realtime dispatcher. */
    static final class Gpusched implements Target {
        final AtomicLong completed = new AtomicLong();
        final RealtimeDispatcher dispatcher = new RealtimeDispatcher("bench", 1);
        final Scheduler<Object> scheduler;
        final Entity<Object>[] entities;

        @SuppressWarnings("unchecked")
        Gpusched(Policy policy, int entityCount, boolean directRun) {
            scheduler = Scheduler.builder(signalsAtOnce(completed)).name("bench").creditLimit(64).policy(policy)
                    .dispatcher(dispatcher).directRun(directRun).build();
            entities = new Entity[entityCount];
            for (int i = 0; i < entityCount; i++) {
                entities[i] = scheduler.newEntity("e" + i, Priority.NORMAL);
            }
        }

        @Override
        public void submit(int entity) {
            entities[entity].job(this).submit();
        }

        @Override
        public long completed() {
            return completed.get();
        }

        @Override
        public void close() {
            scheduler.close();
            dispatcher.close();
        }
    }

    /** The baseline ({@link BaselineScheduler}). */
    static final class Baseline implements Target {
        final AtomicLong completed = new AtomicLong();
        final BaselineScheduler scheduler;
        final BaselineScheduler.Entity[] entities;

        Baseline(int entityCount) {
            CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
            scheduler = new BaselineScheduler(64, job -> {
                completed.incrementAndGet();
                return done;
            });
            entities = new BaselineScheduler.Entity[entityCount];
            for (int i = 0; i < entityCount; i++) {
                entities[i] = scheduler.newEntity();
            }
        }

        @Override
        public void submit(int entity) {
            entities[entity].submit(this, 1);
        }

        @Override
        public long completed() {
            return completed.get();
        }

        @Override
        public void close() {
            scheduler.close();
        }
    }
}
