package dev.mirrorflow.activities;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The build rule that keeps the connector seam: the activities speak only to the neutral
 * contracts in {@code dev.mirrorflow.connector}, never to a connector's own classes, so that a
 * new connector is a new package plus its lines in {@code Connectors}. Surefire runs with the
 * module directory as working directory.
 */
class ConnectorSeamTest {

    private static final Pattern CONNECTOR_INTERNALS = Pattern.compile("dev\\.mirrorflow\\.connector\\.(postgres|mongo)\\b");

    @Test
    void shouldNameNoConnectorsOwnClasses() throws IOException {
        Path sources = Path.of("src/main/java");
        assertThat(sources).isDirectory();
        List<Path> all;
        try (Stream<Path> files = Files.walk(sources)) {
            all = files.filter(f -> f.toString().endsWith(".java")).toList();
        }
        // The scan must have read the module's sources, or it would pass by reading nothing.
        assertThat(all).anyMatch(p -> p.endsWith(Path.of("dev", "mirrorflow", "activities", "MirrorActivitiesImpl.java")));
        List<String> offenders;
        try (Stream<Path> files = all.stream()) {
            offenders = files
                    .filter(f -> CONNECTOR_INTERNALS.matcher(read(f)).find())
                    .map(f -> sources.relativize(f).toString())
                    .sorted()
                    .toList();
        }
        assertThat(offenders)
                .as("files of the activities module that name a connector's own classes (go through"
                        + " dev.mirrorflow.connector's contracts and Connectors instead)")
                .isEmpty();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
