package org.gpusched.vulkan.lab;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.gpusched.exec.Dispatcher;
import org.gpusched.sched.Backend;
import org.gpusched.sim.SimJob;
import org.gpusched.sim.scenario.Scenario;
import org.gpusched.sim.scenario.Scenario.ClientSpec;
import org.gpusched.sim.scenario.Scenario.SchedulerSpec;
import org.gpusched.sim.scenario.ScenarioRunner;
import org.gpusched.vulkan.ComputeProgram;
import org.gpusched.vulkan.JobLog;
import org.gpusched.vulkan.SpinCalibration;
import org.gpusched.vulkan.VulkanDevice;
import org.gpusched.vulkan.VulkanJob;
import org.gpusched.vulkan.VulkanRing;

/**
 * The scenario lab on a real GPU ({@code gpusched run FILE.yaml --backend vulkan}): opens a
 * device, calibrates the spin shader on it, and builds one {@link LabRing} per scheduler of the
 * scenario (a ring of depth = the scheduler's credit limit, with GPU timestamps), for
 * {@link ScenarioRunner#run(Scenario, ScenarioRunner.Mode, ScenarioRunner.ProgressListener,
 * ScenarioRunner.RingFactory)} in realtime mode. Every ring submits to queue 0 of the device.
 * Afterwards it reports the device, the calibration and the intended against measured GPU time,
 * per client ({@link #report()}) and per job ({@link #timings()}).
 *
 * <p>Scenarios with injected faults ({@code hang_every}, {@code fail_every}) or a
 * {@code first_job: manual} client are refused: a real queue cannot hang, fail or hold a job on
 * cue. One lab per run; close it after the run.
 */
public final class VulkanLab implements ScenarioRunner.RingFactory, AutoCloseable {

    private final VulkanDevice device;
    private final SpinCalibration calibration;
    private final ComputeProgram spin;
    private final JobLog sink;
    private final long set;
    private final List<VulkanRing> rings = new ArrayList<>();
    private final List<JobTiming> timings = Collections.synchronizedList(new ArrayList<>());

    private VulkanLab(VulkanDevice device) {
        this.device = device;
        this.calibration = SpinCalibration.measure(device);
        this.spin = device.builtin("spin");
        this.sink = new JobLog(device, 1); // the spin's result has to go somewhere
        this.set = spin.bind(sink.buffer());
    }

    /**
     * Checks that the lab can run {@code scenario} on a GPU, opens the device
     * ({@code nameOrIndex}, null for the best) and calibrates.
     *
     * @throws IllegalArgumentException if the scenario uses what a real GPU cannot do on cue
     * @throws org.gpusched.vulkan.VulkanUnavailableException without Vulkan
     */
    public static VulkanLab open(String nameOrIndex, Scenario scenario) {
        check(scenario);
        VulkanDevice d = VulkanDevice.open(nameOrIndex);
        try {
            return new VulkanLab(d);
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }

    /** Throws if {@code scenario} needs what only the simulated ring can do. */
    public static void check(Scenario scenario) {
        for (ClientSpec c : scenario.clients()) {
            if (c.faults().any()) {
                throw new IllegalArgumentException("client " + c.name() + ": injected faults (hang_every, fail_every) "
                        + "need the simulated ring; a real GPU cannot hang or fail a job on cue (use --backend sim)");
            }
            if (c.firstJobManual()) {
                throw new IllegalArgumentException("client " + c.name() + ": first_job: manual needs the simulated "
                        + "ring (use --backend sim)");
            }
        }
    }

    @Override
    public Backend<SimJob> create(SchedulerSpec spec, Dispatcher dispatcher) {
        VulkanRing ring = device.ring(spec.name()).depth(spec.creditLimit()).timestamps(true).build();
        synchronized (rings) {
            rings.add(ring);
        }
        return new LabRing(ring, spin, set, calibration, this);
    }

    void watch(VulkanJob job, Consumer<VulkanJob> onGpuDone) {
        job.onGpuDone(onGpuDone);
    }

    void record(JobTiming t) {
        timings.add(t);
    }

    /** The device the lab runs on. */
    public VulkanDevice device() {
        return device;
    }

    /** The spin calibration measured at start. */
    public SpinCalibration calibration() {
        return calibration;
    }

    /** Every job that ran, in completion order. */
    public List<JobTiming> timings() {
        synchronized (timings) {
            return List.copyOf(timings);
        }
    }

    /** The report's lines about the GPU: the device, the calibration, intended vs measured per client. */
    public String report() {
        StringBuilder b = new StringBuilder();
        b.append("device: ").append(device.describe()).append('\n');
        b.append(calibration.describe()).append('\n');
        Map<String, List<JobTiming>> byClient = new LinkedHashMap<>();
        for (JobTiming t : timings()) {
            byClient.computeIfAbsent(t.client(), k -> new ArrayList<>()).add(t);
        }
        b.append(String.format(Locale.ROOT, "GPU time per job, intended vs measured (us):%n  %-14s %6s %10s %10s %10s %10s %9s%n",
                "client", "jobs", "intended", "measured", "min", "max", "error"));
        for (var e : byClient.entrySet()) {
            List<JobTiming> ts = e.getValue();
            double intended = ts.stream().mapToLong(JobTiming::intendedNs).average().orElse(0) / 1000;
            long[] m = ts.stream().mapToLong(JobTiming::measuredNs).filter(x -> x >= 0).sorted().toArray();
            if (m.length == 0) {
                b.append(String.format(Locale.ROOT, "  %-14s %6d %10.0f %10s%n", e.getKey(), ts.size(), intended, "n/a"));
                continue;
            }
            double measured = java.util.Arrays.stream(m).average().orElse(0) / 1000;
            b.append(String.format(Locale.ROOT, "  %-14s %6d %10.0f %10.0f %10.0f %10.0f %+8.1f%%%n", e.getKey(), ts.size(),
                    intended, measured, m[0] / 1000.0, m[m.length - 1] / 1000.0,
                    intended == 0 ? 0.0 : 100 * (measured - intended) / intended));
        }
        return b.toString();
    }

    /** Closes the rings (after the run closed their schedulers) and the device. */
    @Override
    public void close() {
        synchronized (rings) {
            for (VulkanRing r : rings) {
                r.close();
            }
        }
        sink.close();
        device.close();
    }
}
