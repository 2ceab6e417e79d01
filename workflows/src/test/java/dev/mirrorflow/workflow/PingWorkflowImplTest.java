package dev.mirrorflow.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.model.WorkerDescription;
import dev.mirrorflow.workflow.activity.WorkerActivities;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PingWorkflowImplTest {

    private TestWorkflowEnvironment env;
    private Worker worker;

    @BeforeEach
    void setUp() {
        env = TestWorkflowEnvironment.newInstance();
        worker = env.newWorker(TaskQueues.DEFAULT);
        worker.registerWorkflowImplementationTypes(PingWorkflowImpl.class);
    }

    @AfterEach
    void tearDown() {
        env.close();
    }

    @Test
    void shouldReturnTheAnsweringWorkersDescription() {
        WorkerDescription answer = new WorkerDescription("id-1", "1.0", "host", "mirrorflow@host/id-1", true, "001");
        worker.registerActivitiesImplementations((WorkerActivities) () -> answer);
        env.start();

        assertThat(ping().ping()).isEqualTo(answer);
    }

    @Test
    void shouldGiveUpAfterThreeAttemptsWhenTheWorkerCannotReachTheCatalog() {
        AtomicInteger attempts = new AtomicInteger();
        worker.registerActivitiesImplementations((WorkerActivities) () -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("catalog down");
        });
        env.start();

        assertThatThrownBy(() -> ping().ping()).isInstanceOf(WorkflowFailedException.class);
        assertThat(attempts).hasValue(3);
    }

    private PingWorkflow ping() {
        return env.getWorkflowClient().newWorkflowStub(PingWorkflow.class,
                WorkflowOptions.newBuilder().setTaskQueue(TaskQueues.DEFAULT).build());
    }
}
