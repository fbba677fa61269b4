package org.gpusched.lincheck;

import java.util.ArrayList;
import java.util.List;
import org.gpusched.exec.Cancellable;
import org.gpusched.exec.Clock;
import org.gpusched.exec.Dispatcher;
import org.gpusched.exec.Lane;
import org.gpusched.exec.NonBlocking;

/**
 * A dispatcher whose lanes run only when the test says so: signals are recorded, and
 * {@link #drain()} runs the pending work on the calling thread. With it a scheduler's
 * submission path can be checked on its own (the lanes never run while submitters race), and
 * the lane's view of what was submitted can be checked afterwards, on one thread.
 *
 * <p>Its clock stands still at 0; timers are recorded and never fire.
 */
final class ParkedDispatcher implements Dispatcher {

    private final List<ParkedLane> lanes = new ArrayList<>();

    @Override
    public Clock clock() {
        return () -> 0L;
    }

    @Override
    public synchronized Lane newLane(String name, Runnable work) {
        ParkedLane lane = new ParkedLane(name, work);
        lanes.add(lane);
        return lane;
    }

    @Override
    public Cancellable schedule(long deadlineNanos, Runnable task) {
        return () -> { };
    }

    @Override
    public boolean isVirtual() {
        return false;
    }

    @Override
    public void close() {
    }

    /**
     * Runs the work of every signalled lane until none is signalled any more.
     *
     * @throws IllegalStateException if the lanes keep signalling themselves (a livelock)
     */
    void drain() {
        for (int round = 0; round < 1000; round++) {
            boolean ran = false;
            List<ParkedLane> snapshot;
            synchronized (this) {
                snapshot = List.copyOf(lanes);
            }
            for (ParkedLane l : snapshot) {
                ran |= l.runIfSignalled();
            }
            if (!ran) {
                return;
            }
        }
        throw new IllegalStateException("lanes still signalled after 1000 rounds");
    }

    /** A lane that records signals and runs its work only in {@link ParkedDispatcher#drain()}. */
    private static final class ParkedLane implements Lane {
        private final String name;
        private final Runnable work;
        private boolean signalled;
        private Thread owner;

        ParkedLane(String name, Runnable work) {
            this.name = name;
            this.work = work;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public synchronized void signal() {
            signalled = true;
        }

        @Override
        public synchronized void wakeAt(long deadlineNanos) {
            signalled = true;
        }

        synchronized boolean runIfSignalled() {
            if (!signalled) {
                return false;
            }
            signalled = false;
            runAsOwner(work);
            return true;
        }

        @Override
        public synchronized void runExclusive(Runnable action) {
            runAsOwner(action);
            signalled = true;
        }

        @Override
        public synchronized boolean tryRunExclusive(Runnable action) {
            if (owner != null) {
                return false;
            }
            runAsOwner(action);
            return true;
        }

        @Override
        public synchronized boolean inLane() {
            return owner == Thread.currentThread();
        }

        /** Runs {@code r} as the lane (re-entrant), non-blocking like real lane work. */
        private void runAsOwner(Runnable r) {
            Thread prev = owner;
            owner = Thread.currentThread();
            NonBlocking.enter();
            try {
                r.run();
            } finally {
                NonBlocking.exit();
                owner = prev;
            }
        }
    }
}
