package dev.mirrorflow.cli;

import dev.mirrorflow.model.WorkerDescription;
import dev.mirrorflow.worker.TemporalConnection;
import dev.mirrorflow.workflow.PingWorkflow;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "ping", mixinStandardHelpOptions = true,
        description = "Asks a worker on the task queue to answer: checks that Temporal, a worker and the catalog "
                + "are wired together. Prints the answering worker.")
final class PingCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--timeout", defaultValue = "30s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long to wait for a worker (e.g. 30s, 2m). Default: ${DEFAULT-VALUE}")
    Duration timeout;

    @Override
    public Integer call() {
        try (TemporalConnection temporal = TemporalConnection.open(connection.temporalSettings(), "mirrorflow-cli")) {
            PingWorkflow ping = temporal.client().newWorkflowStub(PingWorkflow.class, WorkflowOptions.newBuilder()
                    .setWorkflowId("ping/" + UUID.randomUUID())
                    .setTaskQueue(connection.taskQueue)
                    .setWorkflowExecutionTimeout(timeout)
                    .build());
            WorkerDescription w;
            try {
                w = ping.ping();
            } catch (WorkflowFailedException e) {
                throw new UserError("no worker answered on task queue '" + connection.taskQueue + "' within "
                        + DurationConverter.format(timeout) + "; start one with: mirrorflow worker");
            }
            spec.commandLine().getOut().printf("worker %s answered: version %s, host %s, instance id %s, catalog schema version %s%n",
                    w.identity(), w.version(), w.host(), w.instanceId(), w.catalogVersion());
            return 0;
        }
    }
}
