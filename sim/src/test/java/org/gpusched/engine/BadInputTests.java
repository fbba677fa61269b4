package org.gpusched.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.gpusched.engine.Harness.MS;
import static org.gpusched.engine.Harness.ms;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.gpusched.exec.VirtualDispatcher;
import org.gpusched.fence.Fence;
import org.gpusched.fence.FenceError;
import org.gpusched.sched.Backend;
import org.gpusched.sched.Entity;
import org.gpusched.sched.JobBuilder;
import org.gpusched.sched.JobQueue;
import org.gpusched.sched.JobView;
import org.gpusched.sched.Priority;
import org.gpusched.sched.Scheduler;
import org.gpusched.sched.SchedulerClosedException;
import org.gpusched.sched.SubmittedJob;
import org.gpusched.sched.TimeoutVerdict;
import org.gpusched.sim.SimJob;
import org.gpusched.sim.SimRing;
import org.junit.jupiter.api.Test;

/** Programming errors are rejected at once with a clear message; garbage from a backend is contained. */
class BadInputTests {
    final Harness h = new Harness();
    final Scheduler<SimJob> s = h.sched(2);
    final Entity<SimJob> e = s.newEntity("ctx-9", Priority.NORMAL);

    @Test
    void aNullPayloadIsAllowedAndHandedToTheBackendAsIs() {
        List<String> seen = new ArrayList<>();
        ManualBackend<String> mb = new ManualBackend<>("m", h.d.clock());
        Backend<String> b = new Backend<>() {
            @Override
            public Fence run(JobView<String> job) {
                seen.add(String.valueOf(job.payload()));
                return Fence.signaled();
            }

            @Override
            public TimeoutVerdict timedOut(JobView<String> job) {
                return mb.timedOut(job);
            }
        };
        Scheduler<String> sched = Scheduler.builder(b).name("gpu").dispatcher(h.d).build();
        SubmittedJob<String> j = sched.newEntity("e", Priority.NORMAL).job(null).submit();
        h.finish(j);
        assertThat(j.payload()).isNull();
        assertThat(seen).containsExactly("null");
        assertThat(j.finished().error()).isEqualTo(FenceError.NONE);
    }

    @Test
    void nullArgumentsAreRejectedWithTheirName() {
        assertThatThrownBy(() -> e.job(ms(1)).dependsOn(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("fence");
        assertThatThrownBy(() -> s.newEntity("x", null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("priority");
        assertThatThrownBy(() -> Entity.create(null, Priority.NORMAL, List.of(s)))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> Entity.create("x", Priority.NORMAL, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("schedulers");
        assertThatThrownBy(() -> e.setPriority(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("priority");
        assertThatThrownBy(() -> Scheduler.builder(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("backend");
        assertThatThrownBy(() -> h.builder().name(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("name");
        assertThatThrownBy(() -> h.builder().policy(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("policy");
        assertThatThrownBy(() -> h.builder().dispatcher(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("dispatcher");
        assertThatThrownBy(() -> h.builder().observer(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("observer");
        assertThatThrownBy(() -> s.start(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("error");
        assertThatThrownBy(() -> s.forEachPending(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("visitor");
        assertThatThrownBy(() -> JobQueue.create("q", h.backend, 1, null, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("dispatcher");
    }

    @Test
    void nonPositiveCreditsAndCreditLimitsAreRejected() {
        assertThatThrownBy(() -> e.job(ms(1)).credits(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("credits").hasMessageContaining("0");
        assertThatThrownBy(() -> e.job(ms(1)).credits(-3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-3");
        assertThatThrownBy(() -> h.builder().creditLimit(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("credit limit").hasMessageContaining("0");
        assertThatThrownBy(() -> JobQueue.create("q", h.backend, 0, null, h.d))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("credit limit");
    }

    @Test
    void negativeTimesAreRejected() {
        assertThatThrownBy(() -> h.builder().timeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> s.setTimeout(Duration.ofNanos(-5))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timeout");
        assertThatThrownBy(() -> s.resumeTimeout(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("remaining");
        assertThatThrownBy(() -> h.builder().teardownTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("teardown");
        assertThatThrownBy(() -> Priority.ofValue(4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4");
    }

    @Test
    void aBuilderCanBeSubmittedOnlyOnce() {
        JobBuilder<SimJob> b = e.job(ms(1));
        SubmittedJob<SimJob> j = b.submit();
        assertThatThrownBy(b::submit).isInstanceOf(IllegalStateException.class).hasMessageContaining("already submitted");
        assertThatThrownBy(() -> b.credits(2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already submitted");
        assertThatThrownBy(() -> b.dependsOn(Fence.signaled())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(b::abort).isInstanceOf(IllegalStateException.class);
        h.finish(j);
        assertThat(h.backend.jobs("run")).containsExactly("ctx-9#1");
        assertThat(j.payload().runCount()).isEqualTo(1);
    }

    @Test
    void anAbortedBuilderCannotBeUsedAndCostsNothing() {
        JobBuilder<SimJob> b = e.job(ms(1));
        b.abort();
        assertThatThrownBy(b::submit).isInstanceOf(IllegalStateException.class).hasMessageContaining("aborted");
        assertThatThrownBy(() -> b.credits(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("aborted");
        assertThatThrownBy(() -> b.dependsOn(Fence.signaled())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("aborted");
        assertThatThrownBy(b::abort).isInstanceOf(IllegalStateException.class).hasMessageContaining("aborted");
        SubmittedJob<SimJob> next = e.job(ms(1)).submit();
        h.finish(next);
        assertThat(next.seqno()).as("an aborted job takes no seqno").isEqualTo(1);
        assertThat(h.backend.calls()).extracting(RecordingBackend.Call::job).containsOnly("ctx-9#1");
        assertThat(s.score()).isEqualTo(1);
    }

    @Test
    void submittingToAClosedEntityThrowsNamingIt() {
        e.close(Duration.ZERO);
        assertThatThrownBy(() -> e.job(ms(1)).submit()).isInstanceOf(IllegalStateException.class)
                .isNotInstanceOf(SchedulerClosedException.class).hasMessageContaining("ctx-9");
    }

    @Test
    void creatingAnEntityOnAClosedSchedulerThrowsSchedulerClosedException() {
        s.close();
        assertThatThrownBy(() -> s.newEntity("late", Priority.NORMAL)).isInstanceOf(SchedulerClosedException.class)
                .hasMessageContaining("gpu");
        assertThatThrownBy(() -> e.job(ms(1)).submit()).isInstanceOf(SchedulerClosedException.class)
                .hasMessageContaining("gpu");
    }

    @Test
    void schedulerListsMustBeNonEmptyAndShareOneDispatcher() {
        assertThatThrownBy(() -> Entity.create("x", Priority.NORMAL, List.<Scheduler<SimJob>>of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
        VirtualDispatcher other = new VirtualDispatcher();
        Scheduler<SimJob> foreign = Scheduler.builder(new SimRing("r2", other)).name("foreign").dispatcher(other)
                .build();
        assertThatThrownBy(() -> Entity.create("x", Priority.NORMAL, List.of(s, foreign)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gpu")
                .hasMessageContaining("foreign").hasMessageContaining("dispatcher");
        assertThatThrownBy(() -> e.setSchedulers(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one");
        assertThatThrownBy(() -> e.setSchedulers(List.of(foreign))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dispatcher");
        assertThat(e.schedulers()).containsExactly(s);
    }

    @Test
    void blockingCallsInsideABackendCallbackThrowInsteadOfDeadlocking() {
        List<Throwable> thrown = new ArrayList<>();
        List<Entity<String>> entity = new ArrayList<>();
        List<Scheduler<String>> self = new ArrayList<>();
        ManualBackend<String> mb = new ManualBackend<>("m", h.d.clock());
        Backend<String> b = new Backend<>() {
            @Override
            public Fence run(JobView<String> job) {
                for (Runnable r : List.<Runnable>of(
                        () -> self.get(0).close(),
                        () -> entity.get(0).close(Duration.ofSeconds(1)),
                        () -> entity.get(0).flush(Duration.ofSeconds(1)),
                        () -> self.get(0).drain(Duration.ofSeconds(1)),
                        () -> {
                            try {
                                job.finished().await(Duration.ofSeconds(1));
                            } catch (InterruptedException ex) {
                                throw new AssertionError(ex);
                            }
                        })) {
                    try {
                        r.run();
                    } catch (IllegalStateException ex) {
                        thrown.add(ex);
                    }
                }
                return mb.run(job);
            }

            @Override
            public TimeoutVerdict timedOut(JobView<String> job) {
                return TimeoutVerdict.RESET;
            }
        };
        Scheduler<String> sched = Scheduler.builder(b).name("gpu").dispatcher(h.d).build();
        self.add(sched);
        Entity<String> en = sched.newEntity("e", Priority.NORMAL);
        entity.add(en);
        SubmittedJob<String> j = en.job("x").submit();
        h.schedule(j);
        assertThat(thrown).hasSize(5).allSatisfy(t -> assertThat(t).hasMessageContaining("block"));
        assertThat(sched.isClosing()).isFalse();
        assertThat(en.isClosed()).isFalse();
        mb.complete("e#1", FenceError.NONE);
        h.finish(j);
        assertThat(j.finished().error()).isEqualTo(FenceError.NONE);
    }

    @Test
    void closingAnEntityWithoutWaitingIsAllowedInsideACallback() {
        List<Entity<SimJob>> victim = new ArrayList<>();
        List<Integer> killed = new ArrayList<>();
        Backend<SimJob> b = new Backend<>() {
            @Override
            public Fence run(JobView<SimJob> job) {
                if (!victim.isEmpty()) {
                    killed.add(victim.get(0).close(Duration.ZERO));
                }
                return h.ring.run(job);
            }

            @Override
            public TimeoutVerdict timedOut(JobView<SimJob> job) {
                return h.ring.timedOut(job);
            }
        };
        Scheduler<SimJob> sched = Scheduler.builder(b).name("gpu").creditLimit(1).dispatcher(h.d).build();
        Entity<SimJob> runner = sched.newEntity("runner", Priority.HIGH);
        Entity<SimJob> other = sched.newEntity("other", Priority.NORMAL);
        victim.add(other);
        SubmittedJob<SimJob> o1 = other.job(ms(1)).submit();
        SubmittedJob<SimJob> o2 = other.job(ms(1)).submit();
        SubmittedJob<SimJob> r = runner.job(ms(1)).submit();
        h.finish(r);
        h.finish(o2);
        assertThat(killed).containsExactly(2);
        assertThat(o1.finished().error()).isEqualTo(FenceError.KILLED);
        assertThat(o2.finished().error()).isEqualTo(FenceError.KILLED);
        assertThat(r.finished().timestampNanos()).isEqualTo(1 * MS);
    }

    @Test
    void garbageFromTheBackendFailsOnlyTheJobsConcerned() {
        FaultyRing faulty = new FaultyRing(h.ring);
        Scheduler<SimJob> sched = Scheduler.builder(faulty).name("gpu").creditLimit(1).dispatcher(h.d)
                .timeout(Duration.ofMillis(5)).observer(h.log).build();
        SimJob runNull = ms(1);
        SimJob runThrows = ms(1);
        SimJob prepareThrows = ms(1);
        SimJob timedOutNull = SimJob.manual();
        faulty.runReturnsNull.add(runNull);
        faulty.runThrows.add(runThrows);
        faulty.prepareThrows.add(prepareThrows);
        faulty.timedOutReturnsNull.add(timedOutNull);
        Entity<SimJob> bad = sched.newEntity("bad", Priority.NORMAL);
        Entity<SimJob> good = sched.newEntity("good", Priority.NORMAL);
        List<SubmittedJob<SimJob>> bads = new ArrayList<>();
        List<SubmittedJob<SimJob>> goods = new ArrayList<>();
        for (SimJob p : List.of(runNull, runThrows, prepareThrows)) {
            bads.add(bad.job(p).submit());
            goods.add(good.job(ms(1)).submit());
        }
        // last: the simulated ring is not reset by a null verdict, so nothing can run behind it
        bads.add(bad.job(timedOutNull).submit());
        h.finish(goods.get(2));
        h.finish(bads.get(3));
        assertThat(bads).extracting(j -> j.finished().error()).containsExactly(FenceError.BACKEND_FAILED,
                FenceError.BACKEND_FAILED, FenceError.BACKEND_FAILED, FenceError.TIMED_OUT);
        assertThat(goods).allSatisfy(j -> assertThat(j.finished().error()).isEqualTo(FenceError.NONE));
        h.runTo(h.now() + MS);
        assertThat(bads).allSatisfy(j -> assertThat(j.payload().freeCount()).isEqualTo(1));
        assertThat(h.log.failures()).extracting(EventLog.Failure::callback)
                .containsExactly("run", "run", "prepare", "timedOut");
    }
}
