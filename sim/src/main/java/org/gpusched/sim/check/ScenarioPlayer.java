package org.gpusched.sim.check;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceSource;
import org.gpusched.fence.Timeline;
import org.gpusched.sched.Backend;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobBuilder;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sim.SimJob;
import org.gpusched.sim.SimRing;

/**
 * Plays a {@link RandomScenario} on a fresh {@link VirtualDispatcher} under an
 * {@link InvariantChecker}.
 *
 * <p>Submissions, driver fence signals and non-blocking actions are dispatcher events at their
 * planned times. Blocking actions (an entity close with a flush, a scheduler close) are made by
 * the driving thread between runs of the dispatcher: run to the action's time, act, go on.
 * Then the run drains (until every job finished, or a bound), everything is closed, and the
 * dispatcher runs dry.
 */
final class ScenarioPlayer {

    /** After the final closes nothing may keep the dispatcher busy for this long. */
    private static final long IDLE_BOUND_NANOS = Duration.ofSeconds(60).toNanos();

    private final RandomScenario scenario;
    private final VirtualDispatcher dispatcher = new VirtualDispatcher();
    private final InvariantChecker checker;
    private final List<Entity<SimJob>> entities = new ArrayList<>();
    private final List<Timeline> timelines = new ArrayList<>();
    private final List<FenceSource> driverSources = new ArrayList<>();
    private final List<Fence> driverFences = new ArrayList<>();
    /** By job index: the jobs that its fences submit. */
    private final List<List<JobPlan>> triggered = new ArrayList<>();

    ScenarioPlayer(RandomScenario scenario, boolean keepTrace) {
        this.scenario = scenario;
        this.checker = new InvariantChecker(scenario, dispatcher, keepTrace);
    }

    RunResult run() {
        try {
            build();
            scheduleEvents();
            for (ScenarioAction a : scenario.actions()) {
                if (a.blocking()) {
                    runTo(a.atNanos());
                    perform(a);
                }
            }
            long drainLeft = scenario.drainUntilNanos() - dispatcher.nanoTime();
            if (drainLeft > 0) {
                dispatcher.runUntil(checker::allSettled, drainLeft);
            }
            for (ScenarioAction a : scenario.finalCloses()) {
                perform(a);
            }
            checker.finish(dispatcher.runUntilIdle(IDLE_BOUND_NANOS));
        } catch (RuntimeException e) {
            checker.runnerFailure("the scenario (out of a dispatcher event)", e);
        } finally {
            dispatcher.close();
        }
        return new RunResult(scenario.seed(), scenario.jobs().size(), checker.submittedJobs(),
                checker.rejectedJobs(), checker.faultsFired(), checker.fingerprint(), dispatcher.eventsRun(),
                dispatcher.nanoTime(), checker.violations(), checker.counts(), checker.traceTail(), scenario.toString());
    }

    // ------------------------------------------------------------------ set-up

    private void build() {
        for (int i = 0; i < scenario.driverTimelines(); i++) {
            timelines.add(Timeline.create("driver" + i, dispatcher.clock()));
        }
        for (DriverFencePlan p : scenario.driverFences()) {
            FenceSource src = timelines.get(p.timeline()).newFence();
            driverSources.add(src);
            driverFences.add(src.fence());
        }
        for (int i = 0; i < scenario.schedulers().size(); i++) {
            SchedulerPlan p = scenario.schedulers().get(i);
            SchedulerTrack t = checker.scheduler(i);
            t.ring = new SimRing(p.name(), dispatcher);
            Backend<SimJob> faulty = new FaultInjectingBackend(t.ring, checker::planOf, driverFences, checker);
            t.scheduler = Scheduler.builder(checker.wrap(t, faulty))
                    .name(p.name())
                    .creditLimit(p.creditLimit())
                    .policy(p.policy())
                    .timeout(p.hasTimeout() ? Duration.ofNanos(p.timeoutNanos()) : null)
                    .dispatcher(dispatcher)
                    .observer(checker.observer(t))
                    .directRun(p.directRun())
                    .build();
        }
        for (int i = 0; i < scenario.entities().size(); i++) {
            EntityPlan p = scenario.entities().get(i);
            List<Scheduler<SimJob>> on = new ArrayList<>();
            for (int s : p.schedulers()) {
                on.add(checker.scheduler(s).scheduler);
            }
            Entity<SimJob> e = Entity.create(p.name(), p.priority(), on);
            entities.add(e);
            checker.entity(i).entity = e;
        }
    }

    private void scheduleEvents() {
        for (int i = 0; i < scenario.driverFences().size(); i++) {
            DriverFencePlan p = scenario.driverFences().get(i);
            FenceSource src = driverSources.get(i);
            int index = i;
            at(p.signalAtNanos(), "signalling driver fence " + i, () -> {
                checker.action("signal driver fence " + index + " " + p.error(), 0, index);
                src.signal(p.error());
            });
        }
        for (int i = 0; i < scenario.schedulers().size(); i++) {
            SchedulerTrack t = checker.scheduler(i);
            long tick = t.plan.tickNanos();
            for (long when = tick; tick > 0 && when <= scenario.drainUntilNanos(); when += tick) {
                at(when, "ticking ring " + i, () -> tick(t));
            }
        }
        for (JobPlan j : scenario.jobs()) {
            triggered.add(new ArrayList<>());
            if (j.trigger() == JobPlan.Trigger.AT_TIME) {
                at(j.submitAtNanos(), "submitting job " + j.index(), () -> submit(j));
            } else {
                triggered.get(j.triggerJob()).add(j);
            }
        }
        for (ScenarioAction a : scenario.actions()) {
            if (!a.blocking()) {
                at(a.atNanos(), a.toString(), () -> perform(a));
            }
        }
    }

    /** Schedules {@code task}; a throw is a violation, not the end of the run. */
    private void at(long nanos, String what, Runnable task) {
        dispatcher.schedule(nanos, () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                checker.runnerFailure(what, e);
            }
        });
    }

    /** The ring's completion tick: the head job completes, whatever it is. */
    private void tick(SchedulerTrack t) {
        if (t.ring.inflightCount() > 0) {
            checker.action("tick ring " + t.index, 6, t.index);
            t.ring.advance(1);
        }
    }

    private void runTo(long nanos) {
        long left = nanos - dispatcher.nanoTime();
        if (left > 0) {
            dispatcher.runFor(left);
        }
    }

    // ------------------------------------------------------------------ submitting

    private void submit(JobPlan p) {
        SimJob sim = p.newSimJob();
        List<JobRecord.DepFence> deps = new ArrayList<>(p.deps().size());
        for (Dependency d : p.deps()) {
            if (d.kind() == Dependency.Kind.DRIVER) {
                deps.add(new JobRecord.DepFence(d, driverFences.get(d.index()), null));
                continue;
            }
            if (d.kind() == Dependency.Kind.ALL || d.kind() == Dependency.Kind.ANY) {
                List<Fence> parts = new ArrayList<>(2);
                for (int i : new int[] {d.index(), d.other()}) {
                    JobRecord producer = checker.record(i);
                    if (producer != null && producer.handle != null) {
                        parts.add(producer.handle.finished());
                    }
                }
                if (!parts.isEmpty()) {
                    Fence f = d.kind() == Dependency.Kind.ALL ? Fence.all(parts) : Fence.any(parts);
                    deps.add(new JobRecord.DepFence(d, f, null));
                }
                continue;
            }
            JobRecord producer = checker.record(d.index());
            if (producer == null || producer.handle == null) {
                continue; // its submission was refused: nothing to depend on
            }
            Fence f = d.kind() == Dependency.Kind.FINISHED ? producer.handle.finished() : producer.handle.scheduled();
            deps.add(new JobRecord.DepFence(d, f, producer));
        }
        JobRecord r = checker.beforeSubmit(p, sim, deps);
        JobBuilder<SimJob> b = entities.get(p.entity()).job(sim).credits(p.credits());
        for (JobRecord.DepFence d : deps) {
            b.dependsOn(d.fence());
        }
        SubmittedJob<SimJob> h;
        try {
            h = b.submit();
        } catch (IllegalStateException e) { // a closed entity, or a SchedulerClosedException
            checker.rejected(r, e);
            for (JobPlan q : triggered.get(p.index())) {
                submitFromCallback(q); // nothing will signal: submit now
            }
            return;
        }
        checker.submitted(r, h);
        for (JobPlan q : triggered.get(p.index())) {
            Fence f = q.trigger() == JobPlan.Trigger.ON_FINISHED ? h.finished() : h.scheduled();
            if (f.onSignal(x -> submitFromCallback(q)) == null) {
                submitFromCallback(q);
            }
        }
    }

    /** Submits from a fence callback, where a throw would only be logged: make it a violation. */
    private void submitFromCallback(JobPlan q) {
        try {
            submit(q);
        } catch (RuntimeException e) {
            checker.runnerFailure("submitting job " + q.index() + " from a fence callback", e);
        }
    }

    // ------------------------------------------------------------------ actions

    private void perform(ScenarioAction action) {
        switch (action) {
            case ScenarioAction.SetPriority a -> {
                checker.action("set priority of " + a.entity() + " to " + a.priority(), 1, a.entity());
                entities.get(a.entity()).setPriority(a.priority());
            }
            case ScenarioAction.SetSchedulers a -> {
                checker.action("set schedulers of " + a.entity() + " to " + a.schedulers(), 7, a.entity());
                List<Scheduler<SimJob>> on = new ArrayList<>();
                for (int s : a.schedulers()) {
                    on.add(checker.scheduler(s).scheduler);
                }
                entities.get(a.entity()).setSchedulers(on);
            }
            case ScenarioAction.Advance a -> {
                checker.action("advance ring " + a.scheduler() + " by " + a.count(), 2, a.scheduler());
                checker.scheduler(a.scheduler()).ring.advance(a.count());
            }
            case ScenarioAction.LoseDevice a -> {
                checker.action("lose the device of ring " + a.scheduler(), 3, a.scheduler());
                SchedulerTrack t = checker.scheduler(a.scheduler());
                checker.ringLost(t);
                checker.faultInjected();
                t.ring.loseDevice();
            }
            case ScenarioAction.CloseEntity a -> {
                checker.action("close entity " + a.entity() + " flushing " + a.flushNanos() + "ns", 4, a.entity());
                try {
                    entities.get(a.entity()).close(Duration.ofNanos(a.flushNanos()));
                } catch (RuntimeException e) {
                    checker.runnerFailure("closing entity " + a.entity(), e);
                }
            }
            case ScenarioAction.CloseScheduler a -> {
                checker.action("close scheduler " + a.scheduler(), 5, a.scheduler());
                SchedulerTrack t = checker.scheduler(a.scheduler());
                checker.schedulerClosing(t);
                try {
                    t.scheduler.close();
                } catch (RuntimeException e) {
                    checker.runnerFailure("closing scheduler " + a.scheduler(), e);
                }
                checker.schedulerClosed(t);
            }
        }
    }
}
