package org.gpusched.capi;

import java.lang.foreign.Arena;
import org.gpusched.sched.Scheduler;

/**
 * What a {@code gs_sched *} handle stands for: the scheduler and the memory its backend uses
 * (released after {@code gs_sched_destroy}).
 */
record CSched(Scheduler<CJob> scheduler, CBackend backend, Arena arena) {
}
