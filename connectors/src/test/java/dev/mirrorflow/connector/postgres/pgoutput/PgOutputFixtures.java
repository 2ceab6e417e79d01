package dev.mirrorflow.connector.postgres.pgoutput;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads the fixtures that {@link PgOutputFixtureCapture} recorded from a real server: one message
 * per line in hex, after {@code #} comment lines that say how they were captured.
 */
final class PgOutputFixtures {

    private PgOutputFixtures() {
    }

    /** The messages of {@code pgoutput/<name>.hex}, each as pgjdbc would hand it over. */
    static List<ByteBuffer> messages(String name) {
        String resource = "/pgoutput/" + name + ".hex";
        try (InputStream in = PgOutputFixtures.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("No fixture " + resource + "; run PgOutputFixtureCapture");
            }
            var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            return reader.lines()
                    .filter(line -> !line.isBlank() && !line.startsWith("#"))
                    .map(line -> ByteBuffer.wrap(HexFormat.of().parseHex(line.strip())))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read fixture " + resource, e);
        }
    }

    /** Decodes a whole fixture with one decoder, as one replication stream would be. */
    static RecordingHandler decode(String name) {
        var decoder = new PgOutputDecoder();
        var handler = new RecordingHandler();
        for (ByteBuffer message : messages(name)) {
            decoder.decode(message, handler);
        }
        return handler;
    }
}
