package dev.mirrorflow.connector.mongo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mirrorflow.catalog.SecretDecryptionException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a {@link MongoPeer} is kept in the catalog's two configuration columns: {@code
 * config_public} holds what {@code peer list} may show (type, hosts, database, user, connection
 * options, never the password); the JSON encrypted into {@code config_encrypted} holds everything,
 * and is the only one read back to connect.
 */
public final class MongoPeerConfig {

    public static final String TYPE = "mongodb";

    private static final ObjectMapper JSON = new ObjectMapper();

    private MongoPeerConfig() {}

    /** The JSON for {@code config_public}: safe to show to anyone who may read the catalog. */
    public static String publicJson(MongoPeer peer) {
        try {
            return JSON.writeValueAsString(common(peer, false));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a peer's configuration as JSON", e);
        }
    }

    /**
     * The JSON to encrypt into {@code config_encrypted}, password included. The caller encrypts it
     * and should then wipe the array.
     */
    public static byte[] secretJson(MongoPeer peer) {
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
    public static MongoPeer fromSecretJson(String peerName, byte[] json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (IOException e) {
            throw unreadable(peerName, "they are not JSON");
        }
        if (node == null || !node.isObject() || !TYPE.equals(node.path("type").asText(null))) {
            throw unreadable(peerName, "they are not a mongodb peer's configuration");
        }
        JsonNode hostsNode = node.get("hosts");
        if (hostsNode == null || !hostsNode.isArray() || hostsNode.isEmpty()) {
            throw unreadable(peerName, "the hosts are missing");
        }
        List<String> hosts = new ArrayList<>();
        for (JsonNode host : hostsNode) {
            if (!host.isTextual()) {
                throw unreadable(peerName, "a host is not text");
            }
            hosts.add(host.asText());
        }
        boolean srv = node.path("srv").asBoolean(false);
        if (srv && hosts.size() != 1) {
            throw unreadable(peerName, "a mongodb+srv peer has more than one host");
        }
        String database = optionalText(node, "database");
        String user = optionalText(node, "user");
        String password = optionalText(node, "password");
        if (user == null && password != null) {
            throw unreadable(peerName, "there is a password without a user");
        }
        Map<String, String> options = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.path("options").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            options.put(e.getKey(), e.getValue().asText());
        }
        return new MongoPeer(srv, hosts, database, user, password, options);
    }

    private static ObjectNode common(MongoPeer peer, boolean withSecrets) {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", TYPE);
        node.put("srv", peer.srv());
        ArrayNode hosts = node.putArray("hosts");
        peer.hosts().forEach(hosts::add);
        if (peer.database() != null) {
            node.put("database", peer.database());
        }
        if (peer.user() != null) {
            node.put("user", peer.user());
        }
        ObjectNode options = node.putObject("options");
        // Sorted, so that the same peer always gives the same JSON. Any option naming a password is
        // left out of the public copy, although the URL parser refuses such options today.
        new TreeMap<>(peer.options()).forEach((k, v) -> {
            if (withSecrets || !k.toLowerCase(Locale.ROOT).contains("password")) {
                options.put(k, v);
            }
        });
        return node;
    }

    private static String optionalText(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || !value.isTextual() ? null : value.asText();
    }

    private static SecretDecryptionException unreadable(String peerName, String why) {
        return new SecretDecryptionException("cannot read the stored configuration of peer " + peerName + ": " + why
                + "; recreate it with mirrorflow peer drop " + peerName + " and mirrorflow peer create " + peerName);
    }
}
