package org.gpusched.capi;

import org.gpusched.sched.JobBuilder;
import org.gpusched.sched.SubmittedJob;

/**
 * A job created through the C ABI: the payload of its Java job, holding the driver's
 * {@code job_data} pointer and its own handle. {@code builder} and {@code submitted} are guarded
 * by this object (a driver may race two calls on one job handle).
 */
final class CJob {
    final long jobData;
    long handle;
    JobBuilder<CJob> builder;
    SubmittedJob<CJob> submitted;
    boolean aborted;

    CJob(long jobData) {
        this.jobData = jobData;
    }
}
