package org.gpusched.bench;

import java.util.concurrent.atomic.AtomicLong;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Policy;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;

/**
 * The cost of each side of the hand-off on one thread, with nothing shared: a scheduler on a
 * {@link VirtualDispatcher}, batches of 10,000 jobs submitted (the submitting side), then the
 * lane run until all are freed (the lane side), each timed on its own. With a real dispatcher
 * the two sides run on two threads at once, and the throughput benchmark's figure against
 * these shows what crossing between cores costs.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar org.gpusched.bench.StageCosts
 * [FIFO|FAIR] [entities]}. Prints one line per round of 200 batches; the first rounds include
 * JIT compilation.
 */
public final class StageCosts {

    private StageCosts() {
    }

    public static void main(String[] args) {
        Policy policy = args.length > 0 ? Policy.valueOf(args[0]) : Policy.FIFO;
        int entityCount = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int batch = 10_000;
        VirtualDispatcher dispatcher = new VirtualDispatcher();
        AtomicLong freed = new AtomicLong();
        Scheduler<Object> scheduler = Scheduler.builder(Targets.signalsAtOnce(freed)).name("stages").creditLimit(64).policy(policy)
                .dispatcher(dispatcher).build();
        @SuppressWarnings("unchecked")
        Entity<Object>[] entities = new Entity[entityCount];
        for (int i = 0; i < entityCount; i++) {
            entities[i] = scheduler.newEntity("e" + i, Priority.NORMAL);
        }
        Object payload = new Object();
        System.out.printf("%s, %d entities, batches of %,d jobs, one thread%n", policy, entityCount, batch);
        int next = 0;
        long total = 0;
        for (int round = 1; round <= 8; round++) {
            long submitNanos = 0;
            long laneNanos = 0;
            long jobs = 0;
            for (int b = 0; b < 200; b++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < batch; i++) {
                    entities[next].job(payload).submit();
                    if (++next == entityCount) {
                        next = 0;
                    }
                }
                long t1 = System.nanoTime();
                total += batch;
                long target = total;
                dispatcher.runUntil(() -> freed.get() >= target, Long.MAX_VALUE / 4);
                long t2 = System.nanoTime();
                submitNanos += t1 - t0;
                laneNanos += t2 - t1;
                jobs += batch;
            }
            System.out.printf("round %d: submit %.1f ns/job, lane %.1f ns/job%n", round,
                    submitNanos / (double) jobs, laneNanos / (double) jobs);
        }
        scheduler.close();
        dispatcher.close();
    }
}
