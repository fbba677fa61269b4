package org.gpusched.sim.check;

/**
 * The backend misbehaviour planned for one job; {@link FaultInjectingBackend} acts it out. Each
 * fault fires at most once per job (on the first call of its kind).
 *
 * @param prepare       what {@code prepare} does
 * @param prepareFence  the driver fence {@code prepare} returns for {@link PrepareFault#EXTRA_FENCE}
 * @param run           what {@code run} does
 * @param timedOut      what {@code timedOut} does
 * @param cancel        what {@code cancel} does
 * @param freeThrows    whether {@code free} throws (after the ring has freed the job)
 */
public record JobFaults(PrepareFault prepare, int prepareFence, RunFault run, TimedOutFault timedOut,
                        CancelFault cancel, boolean freeThrows) {

    /** No fault at all. */
    public static final JobFaults NONE =
            new JobFaults(PrepareFault.NONE, -1, RunFault.NONE, TimedOutFault.NONE, CancelFault.NONE, false);

    /** Faults of {@code prepare}. */
    public enum PrepareFault {
        /** Behaves. */
        NONE,
        /** Throws on the first call. */
        THROW,
        /** Returns a driver fence on the first call (an extra dependency), null afterwards. */
        EXTRA_FENCE
    }

    /** Faults of {@code run}. */
    public enum RunFault {
        /** Behaves. */
        NONE,
        /** Throws without putting the job on the ring. */
        THROW_BEFORE,
        /** Puts the job on the ring, then throws (the ring keeps executing it). */
        THROW_AFTER,
        /** Returns null without putting the job on the ring. */
        RETURN_NULL
    }

    /** Faults of {@code timedOut} (first call only). */
    public enum TimedOutFault {
        /** Behaves. */
        NONE,
        /** Throws without asking the ring (the ring keeps the job). */
        THROW_BEFORE,
        /** Asks the ring, then throws. */
        THROW_AFTER,
        /** Asks the ring, then returns null. */
        RETURN_NULL,
        /** Asks the ring, then answers DEVICE_GONE. */
        DEVICE_GONE
    }

    /** Faults of {@code cancel}. */
    public enum CancelFault {
        /** Behaves. */
        NONE,
        /** Throws without cancelling on the ring. */
        THROW,
        /** Returns false without cancelling on the ring. */
        REFUSE
    }

    /** True if any fault is planned. */
    public boolean any() {
        return prepare != PrepareFault.NONE || run != RunFault.NONE || timedOut != TimedOutFault.NONE
                || cancel != CancelFault.NONE || freeThrows;
    }

    @Override
    public String toString() {
        if (!any()) {
            return "no faults";
        }
        StringBuilder b = new StringBuilder();
        if (prepare != PrepareFault.NONE) {
            b.append(" prepare=").append(prepare).append(prepare == PrepareFault.EXTRA_FENCE ? "(driver " + prepareFence + ")" : "");
        }
        if (run != RunFault.NONE) {
            b.append(" run=").append(run);
        }
        if (timedOut != TimedOutFault.NONE) {
            b.append(" timedOut=").append(timedOut);
        }
        if (cancel != CancelFault.NONE) {
            b.append(" cancel=").append(cancel);
        }
        if (freeThrows) {
            b.append(" free=THROW");
        }
        return b.substring(1);
    }
}
