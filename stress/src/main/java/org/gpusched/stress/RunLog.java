package org.gpusched.stress;

/**
 * An ordered record of events of one test state (jobs running, fences signalling), as a
 * string such as {@code "12"}. The writers can be a lane and a closing thread; the arbiter
 * reads it after a wait.
 */
final class RunLog {

    private final StringBuilder text = new StringBuilder(4);

    synchronized void add(char c) {
        text.append(c);
    }

    synchronized String text() {
        return text.isEmpty() ? "none" : text.toString();
    }
}
