package dev.mirrorflow.connector;

/** No peer of that name is stored in the catalog. */
public final class UnknownPeerException extends RuntimeException {

    public UnknownPeerException(String name) {
        super("there is no peer named " + name + "; see the peers with: mirrorflow peer list");
    }
}
