package dev.mirrorflow.connector;

/**
 * Words that connectors put in failure messages and that code above the connectors looks for
 * (e.g. {@code mirror resume} telling that a FAILED mirror can only be resynced): kept in one
 * place so that the two cannot drift apart.
 */
public final class ConnectorMessages {

    /** In a failure after which only a resync makes the destination equal the source again. */
    public static final String RESYNC_NEEDED = "only a resync restores the destination";

    private ConnectorMessages() {}
}
