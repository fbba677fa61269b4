package org.gpusched.sim.check;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.gpusched.fence.Fence;
import org.gpusched.sched.Backend;
import org.gpusched.sched.JobView;
import org.gpusched.sched.TimeoutVerdict;
import org.gpusched.sim.SimJob;
import org.gpusched.sim.SimRing;

/**
 * A backend that acts out the {@link JobFaults} planned for each job in front of a
 * {@link SimRing}: it throws, returns null or garbage verdicts, refuses cancellation, or adds a
 * driver fence as an extra dependency, and tells a listener each time a fault fires.
 */
final class FaultInjectingBackend implements Backend<SimJob> {

    /** Told about each fault that fires. */
    interface Listener {
        /**
         * @param job        the job's payload
         * @param callback   the backend method ("prepare", "run", "timedOut", "cancel", "free")
         * @param reportable whether the scheduler must report it as a backend failure
         */
        void faultFired(SimJob job, String callback, boolean reportable);
    }

    /** Thrown by a fault; carries no stack trace (it is expected and frequent). */
    static final class InjectedFault extends RuntimeException {
        InjectedFault(String message) {
            super(message, null, false, false);
        }
    }

    /** Faults that fire on the first call only. */
    private static final class Fired {
        boolean prepare;
        boolean timedOut;
    }

    private final SimRing ring;
    private final Function<SimJob, JobPlan> plans;
    private final List<Fence> driverFences;
    private final Listener listener;
    private final Map<SimJob, Fired> fired = new IdentityHashMap<>();

    FaultInjectingBackend(SimRing ring, Function<SimJob, JobPlan> plans, List<Fence> driverFences, Listener listener) {
        this.ring = ring;
        this.plans = plans;
        this.driverFences = driverFences;
        this.listener = listener;
    }

    private JobFaults faults(JobView<SimJob> view) {
        JobPlan p = plans.apply(view.payload());
        return p == null ? JobFaults.NONE : p.faults();
    }

    private Fired fired(JobView<SimJob> view) {
        return fired.computeIfAbsent(view.payload(), k -> new Fired());
    }

    private InjectedFault fire(JobView<SimJob> view, String callback) {
        listener.faultFired(view.payload(), callback, true);
        return new InjectedFault("injected " + callback + " failure for " + view.entityName() + "#" + view.seqno());
    }

    @Override
    public Fence prepare(JobView<SimJob> view) {
        JobFaults f = faults(view);
        if (f.prepare() != JobFaults.PrepareFault.NONE) {
            Fired st = fired(view);
            if (!st.prepare) {
                st.prepare = true;
                if (f.prepare() == JobFaults.PrepareFault.THROW) {
                    throw fire(view, "prepare");
                }
                listener.faultFired(view.payload(), "prepare", false);
                return driverFences.get(f.prepareFence());
            }
        }
        return ring.prepare(view);
    }

    @Override
    public Fence run(JobView<SimJob> view) {
        return switch (faults(view).run()) {
            case NONE -> ring.run(view);
            case THROW_BEFORE -> throw fire(view, "run");
            case THROW_AFTER -> {
                ring.run(view);
                throw fire(view, "run");
            }
            case RETURN_NULL -> {
                listener.faultFired(view.payload(), "run", true);
                yield null;
            }
        };
    }

    @Override
    public TimeoutVerdict timedOut(JobView<SimJob> view) {
        JobFaults.TimedOutFault f = faults(view).timedOut();
        if (f == JobFaults.TimedOutFault.NONE || fired(view).timedOut) {
            return ring.timedOut(view);
        }
        fired(view).timedOut = true;
        switch (f) {
            case THROW_BEFORE -> throw fire(view, "timedOut");
            case THROW_AFTER -> {
                ring.timedOut(view);
                throw fire(view, "timedOut");
            }
            case RETURN_NULL -> {
                ring.timedOut(view);
                listener.faultFired(view.payload(), "timedOut", true);
                return null;
            }
            default -> {
                ring.timedOut(view);
                listener.faultFired(view.payload(), "timedOut", false);
                return TimeoutVerdict.DEVICE_GONE;
            }
        }
    }

    @Override
    public boolean cancel(JobView<SimJob> view) {
        return switch (faults(view).cancel()) {
            case NONE -> ring.cancel(view);
            case THROW -> throw fire(view, "cancel");
            case REFUSE -> {
                listener.faultFired(view.payload(), "cancel", false);
                yield false;
            }
        };
    }

    @Override
    public void free(JobView<SimJob> view) {
        ring.free(view);
        if (faults(view).freeThrows()) {
            throw fire(view, "free");
        }
    }
}
