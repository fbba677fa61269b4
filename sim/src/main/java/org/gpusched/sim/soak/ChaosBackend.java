package org.gpusched.sim.soak;

import java.util.SplittableRandom;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.fence.FenceSource;
import org.gpusched.sched.Backend;
import org.gpusched.sched.JobView;
import org.gpusched.sched.TimeoutVerdict;

/**
 * A driver that misbehaves on purpose, in front of a {@link ChaosRing}: it acts out each job's
 * {@link JobPlan} (throwing, returning null, failing fences, hanging, extra prepare fences,
 * throwing free, refusing or ignoring cancellation), answers timeouts with NO_HANG now and then,
 * and loses the device when told to. Each fault that fires is counted in the {@link SoakStats}.
 *
 * <p>Its callbacks are serialized by the scheduler, which is what makes the plain fields (the
 * random generator, the jobs' chaos state) safe; the checker verifies that serialization.
 */
final class ChaosBackend implements Backend<SoakJob> {

    /** Thrown by a fault; without a stack trace, since it is expected and frequent. */
    static final class InjectedFault extends RuntimeException {
        InjectedFault(String message) {
            super(message, null, false, false);
        }
    }

    private final ChaosRing ring;
    private final ChaosRing driver;
    private final SoakStats stats;
    private final SplittableRandom random;
    private volatile boolean loseDevice;

    ChaosBackend(ChaosRing ring, ChaosRing driver, SoakStats stats, SplittableRandom random) {
        this.ring = ring;
        this.driver = driver;
        this.stats = stats;
        this.random = random;
    }

    /** The next timeout this backend handles answers DEVICE_GONE. */
    void loseDeviceAtNextTimeout() {
        loseDevice = true;
    }

    private InjectedFault fault(FaultKind kind, JobView<SoakJob> view, String what) {
        stats.fault(kind);
        return new InjectedFault("injected: " + what + " for " + view.entityName() + "#" + view.seqno());
    }

    @Override
    public Fence prepare(JobView<SoakJob> view) {
        SoakJob j = view.payload();
        JobPlan p = j.plan;
        if (p.prepareThrows() && !j.prepareThrown) {
            j.prepareThrown = true;
            throw fault(FaultKind.PREPARE_THROWS, view, "prepare throws");
        }
        if (j.extrasGiven < p.prepareExtras()) {
            j.extrasGiven++;
            stats.fault(FaultKind.PREPARE_EXTRA_FENCE);
            FenceError e = random.nextInt(8) == 0 ? JobPlan.HW_ERRORS[random.nextInt(JobPlan.HW_ERRORS.length)] : FenceError.NONE;
            return driver.driverFence(random.nextLong(10_000, 1_000_000), e);
        }
        return null;
    }

    @Override
    public Fence run(JobView<SoakJob> view) {
        SoakJob j = view.payload();
        JobPlan p = j.plan;
        switch (p.run()) {
            case THROW_BEFORE -> throw fault(FaultKind.RUN_THROWS, view, "run throws");
            case RETURN_NULL -> {
                stats.fault(FaultKind.RUN_RETURNS_NULL);
                return null;
            }
            case THROW_AFTER -> {
                start(j);
                throw fault(FaultKind.RUN_THROWS, view, "run throws after starting the job");
            }
            case NONE -> {
                return start(j).fence();
            }
        }
        throw new AssertionError(p.run());
    }

    private FenceSource start(SoakJob j) {
        JobPlan p = j.plan;
        if (p.hang()) {
            stats.fault(FaultKind.HANG);
        }
        if (p.hwError().isError()) {
            stats.fault(FaultKind.HW_ERROR);
        }
        FenceSource hw = ring.start(p.durationNanos(), p.hang(), p.instant() && !p.hang(), p.hwError());
        j.hw = hw;
        return hw;
    }

    @Override
    public TimeoutVerdict timedOut(JobView<SoakJob> view) {
        SoakJob j = view.payload();
        if (loseDevice) {
            loseDevice = false;
            stats.fault(FaultKind.DEVICE_GONE);
            return TimeoutVerdict.DEVICE_GONE;
        }
        if (j.plan.timedOutThrows() && !j.timedOutThrown) {
            j.timedOutThrown = true;
            throw fault(FaultKind.TIMEDOUT_THROWS, view, "timedOut throws");
        }
        // A hung job is mostly reset; one still making progress mostly gets more time.
        boolean noHang = j.plan.hang() ? random.nextInt(4) == 0 : random.nextInt(5) != 0;
        if (noHang) {
            stats.fault(FaultKind.NO_HANG);
            return TimeoutVerdict.NO_HANG;
        }
        FenceSource hw = j.hw;
        if (hw != null && random.nextBoolean()) {
            hw.signal(FenceError.TIMED_OUT); // the reset ends the job on the ring at once
        }
        return TimeoutVerdict.RESET;
    }

    @Override
    public boolean cancel(JobView<SoakJob> view) {
        SoakJob j = view.payload();
        FenceSource hw = j.hw;
        switch (j.plan.cancel()) {
            case SIGNAL_LATER -> {
                if (hw != null) {
                    ring.signalLater(hw, random.nextLong(0, 500_000), FenceError.CANCELED);
                }
                return hw != null;
            }
            case SIGNAL_NOW -> {
                if (hw != null) {
                    hw.signal(FenceError.CANCELED);
                }
                return hw != null;
            }
            case REFUSE -> {
                stats.fault(FaultKind.CANCEL_REFUSED);
                return false;
            }
            case THROW -> throw fault(FaultKind.CANCEL_THROWS, view, "cancel throws");
            case IGNORE -> {
                stats.fault(FaultKind.CANCEL_IGNORED);
                return true;
            }
        }
        throw new AssertionError(j.plan.cancel());
    }

    @Override
    public void free(JobView<SoakJob> view) {
        if (view.payload().plan.freeThrows()) {
            throw fault(FaultKind.FREE_THROWS, view, "free throws");
        }
    }
}
