package org.gpusched.sched;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A JFR event for every job state change ({@link JobEvent}), so that a flight recording of any
 * program that uses gpusched shows the scheduler's work (JDK Mission Control, {@code jfr print
 * --events org.gpusched.JobState}). Disabled unless a recording enables it by name
 * ({@code @Enabled(false)}: a recording with the JDK's settings, made to profile the program, does
 * not get six events per job); enabled, it costs one small object per state change.
 */
@Name("org.gpusched.JobState")
@Label("GPU Job State")
@Category({"gpusched"})
@Description("A job of a gpusched scheduler changed state")
@StackTrace(false)
@Enabled(false)
final class JobStateEvent extends jdk.jfr.Event {

    @Label("State")
    @Description("submitted, runnable, run, hw_done, timed_out, canceled, killed, finished or freed")
    String state;

    @Label("Scheduler")
    String scheduler;

    @Label("Entity")
    String entity;

    @Label("Fence Context")
    @Description("Context of the job's finished fence")
    long context;

    @Label("Seqno")
    @Description("Sequence number of the job's fences")
    long seqno;

    @Label("Credits")
    int credits;

    @Label("Scheduler Clock")
    @Description("The scheduler's clock in nanoseconds (virtual time on a virtual dispatcher)")
    long clockNanos;

    @Label("Error")
    @Description("The job's outcome once finished (OK or an errno name)")
    String error;
}
