package dev.mirrorflow.catalog;

import java.time.Instant;

/**
 * A peer as the catalog keeps it. {@code configEncrypted} is opaque here: whoever holds the key
 * decrypts it. {@code configPublic} is JSON with the parts that are safe to show.
 */
public record StoredPeer(
        String name,
        String type,
        String configPublic,
        byte[] configEncrypted,
        String keyId,
        Instant createdAt) {

    @Override
    public String toString() {
        return "StoredPeer[" + name + ", " + type + ", " + configPublic + "]";
    }
}
