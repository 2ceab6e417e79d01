package dev.mirrorflow.activities;

import dev.mirrorflow.workflow.FailureTypes;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor.ActivityOutput;
import io.temporal.failure.ApplicationErrorCategory;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the mirrors one worker runs at once ({@code mirrorflow worker --max-mirrors}): a load or
 * stream that arrives while the worker runs its maximum fails at once, before it opens anything,
 * with {@link FailureTypes#WORKER_AT_CAPACITY} and a retry soon ({@link #retryDelay}), which
 * Temporal gives to whichever worker polls first. The failure is benign to Temporal (not logged
 * as an activity failure); this logs the first refusal of an activity and then every 60th. Temporal hands an activity to any worker that
 * polls, so without a cap one worker may end up with every mirror. Short activities (catalog
 * writes) are never refused, so a full worker still serves its workflows.
 */
public final class MirrorCapacity extends AroundActivities {

    /** The activities that hold a mirror for as long as it runs. Names as registered: do not rename. */
    static final Set<String> MIRROR_ACTIVITIES = Set.of("LoadSnapshot", "StreamChanges");

    /** The first refusal's retry delay; each further refusal of the same activity waits longer, up to 2 s. */
    static final Duration FIRST_RETRY_DELAY = Duration.ofMillis(500);
    static final Duration LONGEST_RETRY_DELAY = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger(MirrorCapacity.class);

    private final int maxMirrors;
    private final AtomicInteger running = new AtomicInteger();

    /** @param maxMirrors the most loads and streams at once, at least 1 */
    public MirrorCapacity(int maxMirrors) {
        if (maxMirrors < 1) {
            throw new IllegalArgumentException("the most mirrors a worker runs must be at least 1, not " + maxMirrors);
        }
        this.maxMirrors = maxMirrors;
    }

    /** Half a second more for each attempt of the activity so far, from half a second up to two. */
    static Duration retryDelay(int attempt) {
        Duration delay = FIRST_RETRY_DELAY.multipliedBy(Math.max(1, Math.min(attempt, 4)));
        return delay.compareTo(LONGEST_RETRY_DELAY) > 0 ? LONGEST_RETRY_DELAY : delay;
    }

    @Override
    protected ActivityOutput around(ActivityExecutionContext context, Execution execution) {
        if (!MIRROR_ACTIVITIES.contains(context.getInfo().getActivityType())) {
            return execution.proceed();
        }
        if (running.incrementAndGet() > maxMirrors) {
            running.decrementAndGet();
            int attempt = context.getInfo().getAttempt();
            String message = "this worker runs its maximum of " + maxMirrors + " mirrors (--max-mirrors);"
                    + " another worker takes " + context.getInfo().getActivityType() + " of "
                    + context.getInfo().getWorkflowId();
            if (attempt == 1 || attempt % 60 == 0) {
                log.info("{} (attempt {})", message, attempt);
            }
            throw ApplicationFailure.newBuilder().setMessage(message)
                    .setType(FailureTypes.WORKER_AT_CAPACITY)
                    .setNextRetryDelay(retryDelay(attempt))
                    .setCategory(ApplicationErrorCategory.BENIGN)
                    .build();
        }
        try {
            return execution.proceed();
        } finally {
            running.decrementAndGet();
        }
    }
}
