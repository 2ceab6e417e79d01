package dev.mirrorflow.connector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mirrorflow.catalog.StoredPeer;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
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
        String host = node.path("host").asText("");
        int port = node.path("port").asInt(0);
        JsonNode hosts = node.path("hosts");
        if (hosts.isArray() && !hosts.isEmpty()) {
            // A MongoDB peer's seed list: one host:port is shown like a PostgreSQL peer's host and
            // port; several hosts (or an SRV name) stay together in host, without a port.
            List<String> seeds = new ArrayList<>();
            hosts.forEach(h -> seeds.add(h.asText()));
            host = String.join(",", seeds);
            int colon = host.lastIndexOf(':');
            if (seeds.size() == 1 && colon > 0 && !host.endsWith("]")
                    && host.substring(colon + 1).matches("\\d{1,5}")) {
                port = Integer.parseInt(host.substring(colon + 1));
                host = host.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
            }
        }
        return new PeerSummary(stored.name(), stored.type(), host, port, node.path("database").asText(""),
                node.path("user").asText(""), options, stored.keyId(), stored.createdAt());
    }

    /**
     * {@code host:port/database}, as people write it; for a MongoDB peer its hosts, the database
     * when the URL names one, and the replica set.
     */
    public String location() {
        boolean mongo = PeerType.MONGODB.id().equals(type);
        String shownHost = host.contains(":") && !(mongo && host.contains(",")) ? "[" + host + "]" : host;
        String hostAndPort = shownHost + (port > 0 ? ":" + port : "");
        if (mongo) {
            String replicaSet = options.get("replicaSet");
            return hostAndPort + (database.isEmpty() ? "" : "/" + database)
                    + (replicaSet == null ? "" : " (replica set " + replicaSet + ")");
        }
        return hostAndPort + "/" + database;
    }
}
