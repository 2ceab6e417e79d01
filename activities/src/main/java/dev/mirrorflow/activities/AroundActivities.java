package dev.mirrorflow.activities;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor.ActivityOutput;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;

/**
 * A worker interceptor that wraps each activity execution of the worker, with the activity's
 * context at hand: the base of the worker's heartbeats ({@link LongActivityHeartbeats}), its cap
 * on mirrors ({@link MirrorCapacity}) and its record of where mirrors run ({@link MirrorPlacement}).
 */
abstract class AroundActivities extends WorkerInterceptorBase {

    /** The activity itself, and the interceptors inside this one. */
    @FunctionalInterface
    interface Execution {
        ActivityOutput proceed();
    }

    /**
     * Runs one execution of an activity: {@code execution.proceed()} runs it, and not calling it
     * refuses it (by throwing).
     */
    protected abstract ActivityOutput around(ActivityExecutionContext context, Execution execution);

    @Override
    public final ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
        return new ActivityInboundCallsInterceptorBase(next) {
            private ActivityExecutionContext context;

            @Override
            public void init(ActivityExecutionContext context) {
                this.context = context;
                super.init(context);
            }

            @Override
            public ActivityOutput execute(ActivityInput input) {
                if (context == null) {
                    return super.execute(input);
                }
                return around(context, () -> super.execute(input));
            }
        };
    }
}
