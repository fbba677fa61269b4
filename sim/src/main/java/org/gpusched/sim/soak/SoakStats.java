package org.gpusched.sim.soak;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.gpusched.fence.FenceError;

/**
 * Running totals of a soak, updated from any thread; {@link #snapshot} reads them at any time
 * (for progress lines) without stopping anything.
 */
public final class SoakStats {

    /** Violations kept in full; later ones are only counted. */
    public static final int VIOLATIONS_KEPT = 50;

    private final long seed;
    private final long startNanos = System.nanoTime();
    private final LongAdder rounds = new LongAdder();
    private final LongAdder submitted = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder violations = new LongAdder();
    private final Map<FaultKind, LongAdder> faults = new EnumMap<>(FaultKind.class);
    private final ConcurrentHashMap<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> actions = new ConcurrentHashMap<>();
    private final List<Violation> kept = Collections.synchronizedList(new ArrayList<>());
    private final List<String> failedRounds = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean aborted;

    /** Totals of the soak started with {@code seed}. */
    public SoakStats(long seed) {
        this.seed = seed;
        for (FaultKind k : FaultKind.values()) {
            faults.put(k, new LongAdder());
        }
    }

    void fault(FaultKind k) {
        faults.get(k).increment();
    }

    void action(String what) {
        actions.computeIfAbsent(what, k -> new LongAdder()).increment();
    }

    void action(String what, long n) {
        if (n > 0) {
            actions.computeIfAbsent(what, k -> new LongAdder()).add(n);
        }
    }

    void outcome(FenceError e) {
        outcomes.computeIfAbsent(e.name(), k -> new LongAdder()).increment();
    }

    void submitted() {
        submitted.increment();
    }

    void refused() {
        refused.increment();
    }

    void roundDone() {
        rounds.increment();
    }

    void failedRound(String description) {
        synchronized (failedRounds) {
            if (failedRounds.size() < VIOLATIONS_KEPT) {
                failedRounds.add(description);
            }
        }
    }

    void aborted() {
        aborted = true;
    }

    /** Records a violation (thread-safe). */
    void violation(Violation v) {
        violations.increment();
        synchronized (kept) {
            if (kept.size() < VIOLATIONS_KEPT) {
                kept.add(v);
            }
        }
    }

    /** The totals now. */
    public SoakSummary snapshot() {
        Map<FaultKind, Long> f = new EnumMap<>(FaultKind.class);
        faults.forEach((k, n) -> f.put(k, n.sum()));
        Map<String, Long> o = new TreeMap<>();
        outcomes.forEach((k, n) -> o.put(k, n.sum()));
        Map<String, Long> a = new TreeMap<>();
        actions.forEach((k, n) -> a.put(k, n.sum()));
        List<Violation> v;
        synchronized (kept) {
            v = List.copyOf(kept);
        }
        List<String> fr;
        synchronized (failedRounds) {
            fr = List.copyOf(failedRounds);
        }
        return new SoakSummary(seed, rounds.sum(), submitted.sum(), refused.sum(), o, f, a, violations.sum(), v, fr,
                System.nanoTime() - startNanos, aborted);
    }
}
