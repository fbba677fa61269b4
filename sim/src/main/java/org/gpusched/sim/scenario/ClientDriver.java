package org.gpusched.sim.scenario;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.gpusched.exec.Dispatcher;
import org.gpusched.exec.Lane;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobBuilder;
import org.gpusched.sim.SimJob;
import org.gpusched.sim.scenario.Scenario.ClientSpec;

/**
 * One scenario client: the kernel's scheduling-quality client loop (kunit.md section 3.1) as an
 * explicit state machine on its own {@link Lane}, so that it runs the same way on virtual time
 * and on real threads.
 *
 * <pre>
 *   NOT_STARTED --begin--> SUBMIT --submit the cycle's jobs--> AWAIT_GPU (sync: last job finished)
 *   --> cycle done --> THINK (wait > 0) --> SUBMIT ...  --> after the planned cycles: DRAIN
 *   (its last job finished) --> DONE
 * </pre>
 * Lane-confined except the volatile progress fields, which the sampler reads.
 */
final class ClientDriver {

    /** The error a {@code fail_every} job's hardware fence signals: a GPU page fault. */
    static final FenceError GPU_FAULT = FenceError.of(-14);

    private enum State { NOT_STARTED, SUBMIT, AWAIT_GPU, THINK, DRAIN, DONE }

    final ClientSpec spec;
    final int order;
    final Entity<SimJob> entity;
    final long cyclesPlanned;
    private final long releaseAt;
    private final Dispatcher dispatcher;
    private final Lane lane;
    private final List<ClientDriver> peers;
    private final Runnable onDone;

    private State state = State.NOT_STARTED;
    private long cycleStart;
    private int cycleIndex;
    private JobRecord lastOfCycle;
    private long thinkUntil;
    private int jobsSubmitted;
    private long[] cycleNanos = new long[16];
    private long[] latencyNanos = new long[16];
    private int samples;

    final List<JobRecord> jobs = new ArrayList<>();
    volatile int cyclesCompleted;
    volatile JobRecord latest;
    volatile long doneNanos = -1;

    ClientDriver(ClientSpec spec, int order, Entity<SimJob> entity, long cyclesPlanned, long releaseAt,
                 Dispatcher dispatcher, List<ClientDriver> peers, Runnable onDone) {
        this.spec = spec;
        this.order = order;
        this.entity = entity;
        this.cyclesPlanned = cyclesPlanned;
        this.releaseAt = releaseAt;
        this.dispatcher = dispatcher;
        this.peers = peers;
        this.onDone = onDone;
        this.lane = dispatcher.newLane("client-" + spec.name(), this::work);
    }

    /** Starts the client loop (posted at time 0, in file order). */
    void begin() {
        lane.runExclusive(() -> {
            if (state == State.NOT_STARTED) {
                state = cyclesPlanned > 0 ? State.SUBMIT : State.DONE;
                if (state == State.DONE) {
                    doneNanos = dispatcher.clock().nanoTime();
                    onDone.run();
                }
            }
        });
    }

    boolean isDone() {
        return doneNanos >= 0;
    }

    private void work() {
        for (;;) {
            switch (state) {
                case SUBMIT -> submitCycle();
                case AWAIT_GPU -> {
                    if (!lastOfCycle.job.finished().isSignaled()) {
                        return;
                    }
                    cycleDone();
                }
                case THINK -> {
                    if (dispatcher.clock().nanoTime() < thinkUntil) {
                        return;
                    }
                    state = State.SUBMIT;
                }
                case DRAIN -> {
                    Fence last = latest.job.finished();
                    if (!last.isSignaled()) {
                        return;
                    }
                    state = State.DONE;
                    doneNanos = last.timestampNanos();
                    onDone.run();
                }
                default -> {
                    return;
                }
            }
        }
    }

    private void submitCycle() {
        long now = dispatcher.clock().nanoTime();
        cycleStart = now;
        for (int i = 0; i < spec.jobsPerCycle(); i++) {
            int k = ++jobsSubmitted;
            SimJob sim = k == 1 && spec.firstJobManual() ? SimJob.until(releaseAt) : SimJob.of(java.time.Duration.ofNanos(spec.jobDurationNanos()));
            if (spec.faults().hangEvery() > 0 && k % spec.faults().hangEvery() == 0) {
                sim.hang();
            } else if (spec.faults().failEvery() > 0 && k % spec.faults().failEvery() == 0) {
                sim.failWith(GPU_FAULT);
            }
            JobRecord r = new JobRecord(this, k, cycleIndex, sim);
            sim.tag(r);
            JobBuilder<SimJob> b = entity.job(sim).credits(spec.credits());
            JobRecord prev = latest;
            if (spec.chain() && prev != null) {
                b.dependsOn(prev.job.finished());
            }
            if (i == 0) {
                for (String dep : spec.dependsOn()) {
                    JobRecord other = peer(dep).latest;
                    if (other != null) {
                        b.dependsOn(other.job.finished());
                    }
                }
            }
            r.submitNanos = now;
            r.job = b.submit();
            jobs.add(r);
            latest = r;
            lastOfCycle = r;
        }
        if (spec.sync()) {
            state = State.AWAIT_GPU;
            wakeWhenSignalled(lastOfCycle.job.finished());
        } else {
            cycleDone();
        }
    }

    private void cycleDone() {
        long now = dispatcher.clock().nanoTime();
        long cycle = now - cycleStart;
        record(cycle, Math.max(0, cycle - spec.workNanos()));
        cycleIndex++;
        cyclesCompleted = cycleIndex;
        if (cycleIndex >= cyclesPlanned) {
            state = State.DRAIN;
            wakeWhenSignalled(latest.job.finished());
        } else if (spec.waitNanos() > 0) {
            state = State.THINK;
            thinkUntil = now + spec.waitNanos();
            dispatcher.schedule(thinkUntil, lane::signal);
        } else {
            state = State.SUBMIT;
        }
    }

    private void wakeWhenSignalled(Fence f) {
        f.onSignal(x -> lane.signal()); // if it signalled already, work() sees that at once
    }

    private void record(long cycle, long latency) {
        if (samples == cycleNanos.length) {
            cycleNanos = Arrays.copyOf(cycleNanos, samples * 2);
            latencyNanos = Arrays.copyOf(latencyNanos, samples * 2);
        }
        cycleNanos[samples] = cycle;
        latencyNanos[samples] = latency;
        samples++;
    }

    private ClientDriver peer(String name) {
        for (ClientDriver p : peers) {
            if (p.spec.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalStateException("unknown client " + name); // the parser rejects this
    }

    Stats cycleStats() {
        return Stats.ofNanos(cycleNanos, samples);
    }

    Stats latencyStats() {
        return Stats.ofNanos(latencyNanos, samples);
    }
}
