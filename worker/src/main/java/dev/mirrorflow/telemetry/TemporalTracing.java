package dev.mirrorflow.telemetry;

import dev.mirrorflow.connector.TelemetryNames;
import dev.mirrorflow.workflow.MirrorWorkflow;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.opentracingshim.OpenTracingShim;
import io.opentracing.Tracer;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.common.interceptors.WorkflowClientInterceptor;
import io.temporal.opentracing.OpenTracingClientInterceptor;
import io.temporal.opentracing.OpenTracingOptions;
import io.temporal.opentracing.OpenTracingWorkerInterceptor;
import io.temporal.opentracing.SpanBuilderProvider;
import java.util.Optional;

/**
 * Spans for what Temporal runs, from Temporal's OpenTracing interceptors on the OpenTelemetry
 * OpenTracing shim: {@code RunWorkflow:Mirror} for each run of a mirror's workflow, {@code
 * StartActivity:…} where the workflow schedules an activity, {@code RunActivity:…} around each
 * activity attempt (whose thread then has that span as its current OpenTelemetry context, so the
 * partition and batch spans become its children), and the client's {@code StartWorkflow:…}. The
 * trace context travels in Temporal's headers, so one trace follows a run across workers.
 *
 * <p>The spans of mirrors carry {@code mirrorflow.mirror}, taken from the workflow id {@code
 * mirror/<name>}, so they can be found by mirror like every other signal.
 */
public final class TemporalTracing {

    private static final String MIRROR_WORKFLOW_ID_PREFIX = MirrorWorkflow.workflowId("");

    private final OpenTracingOptions options;

    public TemporalTracing(OpenTelemetry openTelemetry) {
        Tracer tracer = OpenTracingShim.createTracerShim(openTelemetry);
        SpanBuilderProvider standard = OpenTracingOptions.getDefaultInstance().getSpanBuilderProvider();
        this.options = OpenTracingOptions.newBuilder()
                .setTracer(tracer)
                .setSpanBuilderProvider((t, context) -> {
                    Tracer.SpanBuilder span = standard.createSpanBuilder(t, context);
                    mirrorName(context.getWorkflowId()).ifPresent(m -> span.withTag(TelemetryNames.MIRROR.getKey(), m));
                    return span;
                })
                .build();
    }

    /**
     * The workflow id of the worker's warm-up at its start (a replayed first task of a made-up
     * mirror, {@code worker.WorkerWarmUp}): no workflow anybody ran, so it gets no spans.
     */
    public static final String WARM_UP_WORKFLOW_ID = "mirrorflow-warm-up";

    public WorkerInterceptor workerInterceptor() {
        OpenTracingWorkerInterceptor tracing = new OpenTracingWorkerInterceptor(options);
        return new WorkerInterceptor() {
            @Override
            public io.temporal.common.interceptors.WorkflowInboundCallsInterceptor interceptWorkflow(
                    io.temporal.common.interceptors.WorkflowInboundCallsInterceptor next) {
                return WARM_UP_WORKFLOW_ID.equals(io.temporal.workflow.Workflow.getInfo().getWorkflowId()) ? next
                        : tracing.interceptWorkflow(next);
            }

            @Override
            public io.temporal.common.interceptors.ActivityInboundCallsInterceptor interceptActivity(
                    io.temporal.common.interceptors.ActivityInboundCallsInterceptor next) {
                return tracing.interceptActivity(next);
            }

            @Override
            public io.temporal.common.interceptors.NexusOperationInboundCallsInterceptor interceptNexusOperation(
                    io.nexusrpc.handler.OperationContext context,
                    io.temporal.common.interceptors.NexusOperationInboundCallsInterceptor next) {
                return tracing.interceptNexusOperation(context, next);
            }
        };
    }

    public WorkflowClientInterceptor clientInterceptor() {
        return new OpenTracingClientInterceptor(options);
    }

    /** The mirror whose workflow has this id, if it is a mirror's. */
    static Optional<String> mirrorName(String workflowId) {
        if (workflowId == null || !workflowId.startsWith(MIRROR_WORKFLOW_ID_PREFIX)
                || workflowId.length() == MIRROR_WORKFLOW_ID_PREFIX.length()) {
            return Optional.empty();
        }
        return Optional.of(workflowId.substring(MIRROR_WORKFLOW_ID_PREFIX.length()));
    }
}
