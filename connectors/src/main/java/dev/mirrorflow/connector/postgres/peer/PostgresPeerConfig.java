package dev.mirrorflow.connector.postgres.peer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mirrorflow.catalog.SecretDecryptionException;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a {@link PostgresPeer} is kept in the catalog's two configuration columns: {@code
 * config_public} holds what {@code peer list} may show (type, host, port, database, user,
 * connection options, never the password); the JSON encrypted into {@code config_encrypted}
 * holds everything, and is the only one read back to connect.
 */
public final class PostgresPeerConfig {

    public static final String TYPE = "postgres";

    private static final ObjectMapper JSON = new ObjectMapper();

    private PostgresPeerConfig() {}

    /** The JSON for {@code config_public}: safe to show to anyone who may read the catalog. */
    public static String publicJson(PostgresPeer peer) {
        return write(common(peer, false));
    }

    /**
     * The JSON to encrypt into {@code config_encrypted}, password included. The caller encrypts it
     * and should then wipe the array.
     */
    public static byte[] secretJson(PostgresPeer peer) {
        ObjectNode node = common(peer, true);
        if (peer.password() != null) {
            node.put("password", peer.password());
        }
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a peer's configuration as JSON", e);
        }
    }

    /**
     * Reads decrypted {@link #secretJson} back.
     *
     * @throws SecretDecryptionException when it is not such JSON; the message names no content,
     *     and no parser exception (which may quote the text) is attached
     */
    public static PostgresPeer fromSecretJson(String peerName, byte[] json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (IOException e) {
            throw unreadable(peerName, "they are not JSON");
        }
        if (node == null || !node.isObject() || !TYPE.equals(node.path("type").asText(null))) {
            throw unreadable(peerName, "they are not a postgres peer's configuration");
        }
        String host = text(node, "host", peerName);
        String database = text(node, "database", peerName);
        String user = text(node, "user", peerName);
        if (!node.path("port").canConvertToInt()) {
            throw unreadable(peerName, "the port is missing");
        }
        String password = node.hasNonNull("password") ? node.get("password").asText() : null;
        Map<String, String> options = new TreeMap<>();
        JsonNode stored = node.path("options");
        for (Iterator<Map.Entry<String, JsonNode>> it = stored.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            options.put(e.getKey(), e.getValue().asText());
        }
        return new PostgresPeer(host, node.get("port").asInt(), database, user, password, options);
    }

    private static ObjectNode common(PostgresPeer peer, boolean withSecrets) {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", TYPE);
        node.put("host", peer.host());
        node.put("port", peer.port());
        node.put("database", peer.database());
        node.put("user", peer.user());
        ObjectNode options = node.putObject("options");
        // Sorted, so that the same peer always gives the same JSON. Any option naming a password is
        // left out of the public copy, although the URL parser refuses such options today.
        new TreeMap<>(peer.properties()).forEach((k, v) -> {
            if (withSecrets || !k.toLowerCase(Locale.ROOT).contains("password")) {
                options.put(k, v);
            }
        });
        return node;
    }

    private static String text(JsonNode node, String field, String peerName) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw unreadable(peerName, "the " + field + " is missing");
        }
        return value.asText();
    }

    private static String write(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a peer's configuration as JSON", e);
        }
    }

    private static SecretDecryptionException unreadable(String peerName, String why) {
        return new SecretDecryptionException("cannot read the stored configuration of peer " + peerName + ": " + why
                + "; recreate it with mirrorflow peer drop " + peerName + " and mirrorflow peer create " + peerName);
    }
}
