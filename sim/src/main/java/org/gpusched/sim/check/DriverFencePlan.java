package org.gpusched.sim.check;

import org.gpusched.fence.FenceError;

/**
 * A driver fence (not made by the scheduler) that an event signals at a planned time. Fences of
 * one timeline are planned in signal order, keeping the timeline promise that seqnos signal in
 * order.
 *
 * @param timeline       which driver timeline it belongs to
 * @param signalAtNanos  virtual time of the signal
 * @param error          the error it signals with ({@link FenceError#NONE} for success)
 */
public record DriverFencePlan(int timeline, long signalAtNanos, FenceError error) {
}
