package org.gpusched.vulkan.lab;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.gpusched.fence.Fence;
import org.gpusched.sched.Backend;
import org.gpusched.sched.JobView;
import org.gpusched.sched.TimeoutVerdict;
import org.gpusched.sim.SimJob;
import org.gpusched.vulkan.ComputeProgram;
import org.gpusched.vulkan.SpinCalibration;
import org.gpusched.vulkan.VulkanJob;
import org.gpusched.vulkan.VulkanRing;

/**
 * The scenario lab's jobs on a real GPU: a {@link Backend} of {@link SimJob} that runs each job
 * as a dispatch of the {@code spin} shader calibrated to the job's duration, on a
 * {@link VulkanRing}, so that the lab's GPU times are real. When the GPU is done it records the
 * job's hardware times (from GPU timestamps, put on the host clock) in the {@code SimJob} and
 * the intended and measured GPU time in the lab's {@link JobTiming} list. Every verdict is the
 * Vulkan ring's (see {@link VulkanRing}).
 */
public final class LabRing implements Backend<SimJob> {

    private final VulkanRing ring;
    private final ComputeProgram spin;
    private final long set;
    private final SpinCalibration calibration;
    private final VulkanLab lab;
    private final Map<SimJob, VulkanJob> onGpu = new ConcurrentHashMap<>();

    LabRing(VulkanRing ring, ComputeProgram spin, long set, SpinCalibration calibration, VulkanLab lab) {
        this.ring = ring;
        this.spin = spin;
        this.set = set;
        this.calibration = calibration;
        this.lab = lab;
    }

    /** The Vulkan ring underneath. */
    public VulkanRing ring() {
        return ring;
    }

    @Override
    public Fence run(JobView<SimJob> view) {
        SimJob sim = view.payload();
        long intended = sim.durationNanos();
        long rounds = calibration.roundsFor(intended);
        String entity = view.entityName();
        long seq = view.seqno();
        VulkanJob job = spin.dispatch(set, 1, 1, 1).pushConstants(0, (int) seq, (int) rounds);
        lab.watch(job, j -> {
            long measured = j.gpuNanos();
            long end = j.gpuEndNanos() >= 0 ? j.gpuEndNanos() : j.completedNanos();
            long start = j.gpuStartNanos() >= 0 ? j.gpuStartNanos() : Math.max(j.submittedNanos(), end - Math.max(0, measured));
            sim.recordHardware(start, end);
            lab.record(new JobTiming(entity, seq, ring.name(), intended, calibration.nanosFor(rounds), measured));
        });
        onGpu.put(sim, job);
        return ring.run(new View<>(view, job));
    }

    @Override
    public TimeoutVerdict timedOut(JobView<SimJob> view) {
        VulkanJob job = onGpu.get(view.payload());
        return ring.timedOut(new View<>(view, job));
    }

    @Override
    public boolean cancel(JobView<SimJob> view) {
        return false; // a Vulkan queue cannot cancel submitted work
    }

    @Override
    public void free(JobView<SimJob> view) {
        VulkanJob job = onGpu.remove(view.payload());
        if (job != null) {
            ring.free(new View<>(view, job));
        }
    }

    /** The lab job's view with the Vulkan payload in place of the {@code SimJob}. */
    private record View<P>(JobView<SimJob> inner, P payload) implements JobView<P> {
        @Override
        public int credits() {
            return inner.credits();
        }

        @Override
        public String entityName() {
            return inner.entityName();
        }

        @Override
        public String schedulerName() {
            return inner.schedulerName();
        }

        @Override
        public long seqno() {
            return inner.seqno();
        }

        @Override
        public Fence scheduled() {
            return inner.scheduled();
        }

        @Override
        public Fence finished() {
            return inner.finished();
        }

        @Override
        public java.util.List<Fence> dependencies() {
            return inner.dependencies();
        }

        @Override
        public Fence hardwareFence() {
            return inner.hardwareFence();
        }

        @Override
        public long submitTimeNanos() {
            return inner.submitTimeNanos();
        }
    }
}
