package org.gpusched.stress;

import org.gpusched.exec.RealtimeDispatcher;

/**
 * What the scheduler tests share within one forked JVM: a realtime dispatcher (a thread pool
 * and a timer thread), far too heavy to create per jcstress state. Schedulers and entities on
 * it are cheap (no thread of their own) and are created per state where a test needs a fresh
 * one.
 */
final class Rig {

    /** Two pool threads: the actors already take both cores of a small machine. */
    static final RealtimeDispatcher DISPATCHER = new RealtimeDispatcher("stress", 2);

    private Rig() {
    }
}
