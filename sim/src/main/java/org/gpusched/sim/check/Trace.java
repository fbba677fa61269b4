package org.gpusched.sim.check;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The fingerprint of a run: a running hash over every recorded event (virtual time, kind,
 * subject, detail), and optionally the last lines in readable form for diagnosing a failure.
 * Only values that are the same on every run of a seed go in (no fence context ids, no
 * identity hashes), so equal seeds give equal fingerprints.
 */
final class Trace {

    private static final int LINES_KEPT = 400;

    private final boolean keepLines;
    private final ArrayDeque<String> lines;
    private long hash = 0x243F6A8885A308D3L;
    private long events;

    Trace(boolean keepLines) {
        this.keepLines = keepLines;
        this.lines = keepLines ? new ArrayDeque<>() : null;
    }

    /** Mixes one event into the fingerprint. */
    void add(long timeNanos, long kind, long subject, long detail) {
        hash = mix(mix(mix(mix(hash, timeNanos), kind), subject), detail);
        events++;
    }

    /** True if readable lines are kept; callers build a line only then. */
    boolean keepsLines() {
        return keepLines;
    }

    /** Keeps a readable line (the last {@value #LINES_KEPT} are kept). */
    void line(long timeNanos, String text) {
        if (!keepLines) {
            return;
        }
        if (lines.size() == LINES_KEPT) {
            lines.pollFirst();
        }
        lines.addLast(String.format("%,12dns %s", timeNanos, text));
    }

    long fingerprint(long dispatcherEvents, long endNanos) {
        return mix(mix(mix(hash, events), dispatcherEvents), endNanos);
    }

    List<String> tail() {
        return keepLines ? new ArrayList<>(lines) : List.of();
    }

    private static long mix(long h, long v) {
        long x = (h ^ v) * 0x9E3779B97F4A7C15L;
        x ^= x >>> 31;
        x *= 0xBF58476D1CE4E5B9L;
        return x ^ (x >>> 29);
    }
}
