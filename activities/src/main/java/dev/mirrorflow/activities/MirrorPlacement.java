package dev.mirrorflow.activities;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorRow;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor.ActivityOutput;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records in the catalog which worker runs each mirror's load or stream
 * ({@link dev.mirrorflow.catalog.MirrorWorkerRepository}), so that {@code mirror status} can say
 * where a mirror runs without asking Temporal. The record is written when the activity starts
 * here and removed when it ends here; the worker that takes over a killed one's mirror replaces
 * it. Writing it is best effort: a catalog that does not answer fails the activity's own work
 * soon enough, and where a mirror runs is not worth failing it for.
 */
public final class MirrorPlacement extends AroundActivities {

    private static final Logger log = LoggerFactory.getLogger(MirrorPlacement.class);
    private static final String WORKFLOW_ID_PREFIX = "mirror/";

    private final Catalog catalog;
    private final String identity;

    /** @param identity this worker's Temporal identity */
    public MirrorPlacement(Catalog catalog, String identity) {
        this.catalog = catalog;
        this.identity = identity;
    }

    @Override
    protected ActivityOutput around(ActivityExecutionContext context, Execution execution) {
        String type = context.getInfo().getActivityType();
        String workflowId = context.getInfo().getWorkflowId();
        if (!MirrorCapacity.MIRROR_ACTIVITIES.contains(type) || !workflowId.startsWith(WORKFLOW_ID_PREFIX)) {
            return execution.proceed();
        }
        Optional<Long> mirrorId = started(workflowId.substring(WORKFLOW_ID_PREFIX.length()), type);
        try {
            return execution.proceed();
        } finally {
            mirrorId.ifPresent(this::ended);
        }
    }

    private Optional<Long> started(String mirror, String type) {
        try {
            Optional<Long> id = catalog.mirrors().findLive(mirror).map(MirrorRow::id);
            id.ifPresent(mirrorId -> catalog.mirrorWorkers().started(mirrorId, identity, type));
            return id;
        } catch (RuntimeException e) {
            log.warn("mirror {}: could not record that {} runs on this worker: {}", mirror, type,
                    e.getMessage());
            return Optional.empty();
        }
    }

    private void ended(long mirrorId) {
        try {
            catalog.mirrorWorkers().ended(mirrorId, identity);
        } catch (RuntimeException e) {
            log.warn("could not record that mirror {} no longer runs on this worker: {}", mirrorId,
                    e.getMessage());
        }
    }
}
