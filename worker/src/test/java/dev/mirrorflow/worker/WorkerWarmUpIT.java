package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.catalog.NewMirror;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.catalog.StoredPeer;
import dev.mirrorflow.workflow.MaintenanceWorkflowImpl;
import dev.mirrorflow.workflow.MirrorWorkflowImpl;
import dev.mirrorflow.workflow.PingWorkflowImpl;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkflowOutboundCallsInterceptor;
import io.temporal.common.interceptors.WorkflowOutboundCallsInterceptorBase;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The worker's warm-up ({@link WorkerWarmUp}) runs the real workflow code of a new mirror's first
 * task, up to the activity it schedules first, against the real Temporal dev server's client,
 * without creating anything in Temporal; and its catalog part changes nothing in a real catalog.
 */
class WorkerWarmUpIT {

    private static final String TEMPORAL = System.getProperty("mirrorflow.it.temporal.address", "127.0.0.1:7233");

    @Test
    void shouldRunANewMirrorsFirstWorkflowTaskWithoutTemporalHearingOfIt() throws Exception {
        List<String> scheduled = new CopyOnWriteArrayList<>();
        WorkerInterceptorBase recordActivities = new WorkerInterceptorBase() {
            @Override
            public WorkflowInboundCallsInterceptor interceptWorkflow(WorkflowInboundCallsInterceptor next) {
                return new WorkflowInboundCallsInterceptorBase(next) {
                    @Override
                    public WorkflowOutput execute(WorkflowInput input) {
                        scheduled.add("execute");
                        return super.execute(input);
                    }

                    @Override
                    public void init(WorkflowOutboundCallsInterceptor outbound) {
                        super.init(new WorkflowOutboundCallsInterceptorBase(outbound) {
                            @Override
                            public <R> ActivityOutput<R> executeActivity(ActivityInput<R> input) {
                                scheduled.add(input.getActivityName());
                                return super.executeActivity(input);
                            }
                        });
                    }
                };
            }
        };
        try (TemporalConnection temporal = TemporalConnection.open(
                new TemporalConnection.Settings(TEMPORAL, "default", "warm-up-it-" + UUID.randomUUID()), "warm-up-it")) {
            WorkerFactory factory = WorkerFactory.newInstance(temporal.client(),
                    WorkerFactoryOptions.newBuilder().setWorkerInterceptors(recordActivities).build());
            Worker worker = factory.newWorker(temporal.settings().taskQueue());
            worker.registerWorkflowImplementationTypes(PingWorkflowImpl.class, MirrorWorkflowImpl.class,
                    MaintenanceWorkflowImpl.class);

            WorkerWarmUp.replayFirstTask(worker, temporal.client().getOptions().getDataConverter());

            // The workflow code ran, and did what a real new mirror does first: record that it is
            // setting up.
            assertThat(scheduled).as("the workflow's run, then the activities its first task scheduled")
                    .startsWith("execute", "RecordPhase");
            assertThat(WorkerWarmUp.readActivityParameters(temporal.client().getOptions().getDataConverter()))
                    .isGreaterThan(10);
            assertThatThrownBy(() -> temporal.stubs().blockingStub().describeWorkflowExecution(
                    DescribeWorkflowExecutionRequest.newBuilder().setNamespace("default")
                            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(WorkerWarmUp.WORKFLOW_ID))
                            .build()))
                    .as("Temporal has no workflow of the warm-up")
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
            factory.shutdownNow();
        }
    }

    @Test
    void shouldLeaveTheCatalogAsItWas() {
        try (ScratchDatabase db = ScratchDatabase.create("mirrorflow_warm_up_it");
                Catalog catalog = Catalog.open(db.catalogConfig())) {
            catalog.peers().create(new StoredPeer("src", "postgres", "{}", new byte[] {1}, "k", null));
            catalog.peers().create(new StoredPeer("dst", "postgres", "{}", new byte[] {1}, "k", null));
            MirrorRow mirror = catalog.mirrors().create(new NewMirror("orders", "src", "dst", "{\"name\":\"orders\"}",
                    "mirror/orders"));
            catalog.mirrors().recordPhase(mirror.id(), MirrorPhase.SETUP, "validating", null, "p1");
            MirrorRow before = catalog.mirrors().findLive("orders").orElseThrow();
            List<MirrorEvent> eventsBefore = catalog.mirrors().history(mirror.id(), 100);

            catalog.warmUp();

            assertThat(catalog.mirrors().findLive("orders")).contains(before);
            assertThat(catalog.mirrors().history(mirror.id(), 100)).isEqualTo(eventsBefore);
            assertThat(catalog.mirrors().listLive()).containsExactly(before);
        }
    }
}
