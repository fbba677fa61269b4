package org.gpusched.fence;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A callback node that records every run: how often, with which fence, on which thread, and
 * what it saw at that moment. Thread-safe, so stress tests can read it from any thread.
 */
class Recorder extends FenceCallback {

    final String label;
    final List<String> log;
    final AtomicInteger runs = new AtomicInteger();
    final List<Fence> fences = new CopyOnWriteArrayList<>();
    volatile Thread thread;

    Recorder(String label, List<String> log) {
        this.label = label;
        this.log = log;
    }

    Recorder() {
        this("", new CopyOnWriteArrayList<>());
    }

    @Override
    protected void onSignaled(Fence fence) {
        runs.incrementAndGet();
        fences.add(fence);
        thread = Thread.currentThread();
        log.add(label);
    }
}
