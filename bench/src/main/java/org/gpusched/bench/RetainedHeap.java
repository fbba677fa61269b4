package org.gpusched.bench;

import java.util.concurrent.CompletableFuture;
import org.gpusched.exec.RealtimeDispatcher;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.gpusched.sched.Entity;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;

/**
 * Retained heap per queued job: queues {@code n} jobs behind a first one that waits for a fence
 * nobody signals, and measures the live heap after full collections, before and after. The
 * submitter keeps nothing of the jobs (as a driver that only keeps the out-fence it needs), so
 * what remains is what the scheduler retains per queued job.
 */
public final class RetainedHeap {

    private RetainedHeap() {
    }

    /** Bytes per queued job for gpusched and the baseline; {@code args[0]} jobs (default 1,000,000). */
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        System.out.printf("retained heap per queued job (%,d jobs): gpusched %.0f B, baseline %.0f B%n", n, gpusched(n),
                baseline(n));
    }

    static double gpusched(int n) throws InterruptedException {
        RealtimeDispatcher d = new RealtimeDispatcher("heap", 1);
        Scheduler<Object> s = Scheduler.builder(Targets.signalsAtOnce()).creditLimit(64).dispatcher(d).build();
        Entity<Object> e = s.newEntity("e", Priority.NORMAL);
        FenceSource never = Timeline.create("never").newFence();
        e.job(null).dependsOn(never.fence()).submit();
        e.flush(java.time.Duration.ofMillis(100)); // let the lane see the blocked head
        long before = usedAfterGc();
        for (int i = 0; i < n; i++) {
            e.job(null).submit();
        }
        long after = usedAfterGc();
        double perJob = (double) (after - before) / n;
        never.signal();
        e.close(java.time.Duration.ofSeconds(30));
        s.close();
        d.close();
        return perJob;
    }

    static double baseline(int n) throws InterruptedException {
        CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
        BaselineScheduler s = new BaselineScheduler(64, j -> done);
        BaselineScheduler.Entity e = s.newEntity();
        CompletableFuture<Void> never = new CompletableFuture<>();
        e.submit(null, 1, never);
        Thread.sleep(100);
        long before = usedAfterGc();
        for (int i = 0; i < n; i++) {
            e.submit(null, 1);
        }
        long after = usedAfterGc();
        double perJob = (double) (after - before) / n;
        never.complete(null);
        s.close();
        return perJob;
    }

    private static long usedAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
