package dev.mirrorflow.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.testing.WorkflowReplayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays recorded histories of the mirror workflow against the current code: a change that
 * would break running mirrors (a renamed signal or activity, a reordered command) fails here.
 */
class MirrorWorkflowReplayTest {

    static Stream<Path> histories() throws IOException {
        Path dir = Path.of("src/test/resources/histories");
        assertThat(dir).isDirectory();
        return Files.list(dir).filter(p -> p.toString().endsWith(".json")).sorted();
    }

    @ParameterizedTest
    @MethodSource("histories")
    void shouldReplayRecordedHistoryWithoutNondeterminism(Path history) throws Exception {
        WorkflowReplayer.replayWorkflowExecution(Files.readString(history), MirrorWorkflowImpl.class);
    }
}
