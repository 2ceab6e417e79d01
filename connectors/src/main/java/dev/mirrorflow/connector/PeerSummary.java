package dev.mirrorflow.connector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mirrorflow.catalog.StoredPeer;
import java.io.IOException;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * What may be shown about a stored peer without its key: read from {@code config_public} only, so
 * listing peers needs no secret key and can never reveal a password.
 *
 * @param port the port, or 0 when the stored row does not say
 * @param keyId the key the peer's secrets are encrypted with
 */
public record PeerSummary(
        String name,
        String type,
        String host,
        int port,
        String database,
        String user,
        Map<String, String> options,
        String keyId,
        Instant createdAt) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public PeerSummary {
        options = Map.copyOf(options);
    }

    public static PeerSummary of(StoredPeer stored) {
        JsonNode node;
        try {
            node = JSON.readTree(stored.configPublic());
        } catch (IOException e) {
            node = JSON.createObjectNode();
        }
        Map<String, String> options = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.path("options").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            options.put(e.getKey(), e.getValue().asText());
        }
        return new PeerSummary(stored.name(), stored.type(), node.path("host").asText(""),
                node.path("port").asInt(0), node.path("database").asText(""), node.path("user").asText(""),
                options, stored.keyId(), stored.createdAt());
    }

    /** {@code host:port/database}, as people write it. */
    public String location() {
        String shownHost = host.contains(":") ? "[" + host + "]" : host;
        return shownHost + (port > 0 ? ":" + port : "") + "/" + database;
    }
}
