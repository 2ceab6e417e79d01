package dev.mirrorflow.connector;

/**
 * A peer's configuration as code outside its connector sees it: which connector it belongs to and
 * what may be shown of it. Only the connector of {@link #type()} looks inside (to connect, to
 * store it); everything else hands it back to that connector through {@link Connectors}.
 *
 * <p>Implementations never show a password, in {@link #toString()} or anywhere else.
 */
public interface PeerConfig {

    PeerType type();

    /** Where the peer is, as people write it, for messages: e.g. {@code host:port/database}. */
    String location();

    /** The user the peer logs in as, or null when it logs in as nobody (a MongoDB without access control). */
    String user();
}
