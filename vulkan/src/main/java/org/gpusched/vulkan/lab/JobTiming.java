package org.gpusched.vulkan.lab;

/**
 * One lab job on the GPU: how long it was meant to take and how long it took.
 *
 * @param client      the client (entity) that submitted it
 * @param seq         its sequence number in the client
 * @param ring        the ring it ran on
 * @param intendedNs  the scenario's job duration
 * @param plannedNs   what the calibrated spin should take (the duration, rounded to whole
 *                    spin rounds and capped at the device's longest spin)
 * @param measuredNs  GPU time measured with timestamps, or -1 where the queue has none
 */
public record JobTiming(String client, long seq, String ring, long intendedNs, long plannedNs, long measuredNs) {
}
