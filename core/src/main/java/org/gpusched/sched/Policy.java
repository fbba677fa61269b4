package org.gpusched.sched;

/**
 * How a scheduler picks the next entity among the ready ones (per scheduler; the kernel's
 * global {@code drm_sched.sched_policy} made a per-scheduler strategy).
 *
 * <p>In every policy only the head job of each entity is a candidate (jobs of one entity run in
 * submission order), and if the chosen entity's head job does not fit in the free credits the
 * scheduler waits: no other job skips ahead of it.
 */
public enum Policy {
    /**
     * Round robin: each time an entity's job runs, the entity goes behind all the others of its
     * priority. An entity that becomes busy again rejoins at its old place. Strict priorities.
     */
    RR,
    /**
     * First in, first out: the entity whose head job was submitted earliest goes first. Strict
     * priorities; a busy high-priority client starves lower ones.
     */
    FIFO,
    /**
     * Fair: the kernel's virtual-runtime policy. The entity with the least virtual GPU time
     * goes first; GPU time is scaled by priority (shifts 1, 2, 4, 7), an entity that rejoins
     * keeps its relative position, and at equal priority the one with shorter jobs rejoins
     * first. No priority starves.
     */
    FAIR
}
