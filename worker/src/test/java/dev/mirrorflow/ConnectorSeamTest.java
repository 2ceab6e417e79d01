package dev.mirrorflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The worker (CLI commands, worker runtime, telemetry) reaches databases only through the neutral
 * contracts in {@code dev.mirrorflow.connector} and the {@code Connectors} lookup: a new connector
 * is then a new package and one line there, and nothing here changes. Any source file of this
 * module that imports or names a connector's own package fails the build, named.
 */
class ConnectorSeamTest {

    /** A connector's own packages, imported or written out in full (also in a comment: say "the connector"). */
    static final Pattern CONNECTOR_PACKAGE = Pattern.compile("dev\\.mirrorflow\\.connector\\.(postgres|mongo)\\b");

    @Test
    void shouldNameNoConnectorPackageInTheWorkersSources() throws IOException {
        Path sources = Path.of("src", "main", "java");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
        // The scan must have read the module's sources, or it would pass by reading nothing.
        assertThat(files).as("the worker's sources under %s", sources.toAbsolutePath())
                .anyMatch(p -> p.endsWith(Path.of("dev", "mirrorflow", "worker", "WorkerRuntime.java")))
                .anyMatch(p -> p.endsWith(Path.of("dev", "mirrorflow", "cli", "MirrorCreateCommand.java")));

        List<String> offending = files.stream().filter(ConnectorSeamTest::namesAConnectorPackage)
                .map(p -> sources.relativize(p).toString()).toList();
        assertThat(offending).as("worker sources that import or name dev.mirrorflow.connector.postgres or .mongo"
                + " (go through dev.mirrorflow.connector.Connectors instead)").isEmpty();
    }

    private static boolean namesAConnectorPackage(Path file) {
        try {
            return CONNECTOR_PACKAGE.matcher(Files.readString(file, StandardCharsets.UTF_8)).find();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }
}
