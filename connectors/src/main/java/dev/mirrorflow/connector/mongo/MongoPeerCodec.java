package dev.mirrorflow.connector.mongo;

import dev.mirrorflow.connector.InvalidPeerException;
import dev.mirrorflow.connector.PeerCodec;
import dev.mirrorflow.connector.PeerConfig;
import dev.mirrorflow.connector.PeerType;

/** MongoDB peers: URLs by {@link MongoPeerUrl}, the catalog's JSON by {@link MongoPeerConfig}. */
public final class MongoPeerCodec implements PeerCodec {

    @Override
    public PeerType type() {
        return PeerType.MONGODB;
    }

    @Override
    public PeerConfig parseUrl(String url) {
        return MongoPeerUrl.parse(url);
    }

    /**
     * @throws InvalidPeerException when the URL names no user, since a password alone logs in as
     *     nobody
     */
    @Override
    public PeerConfig withPassword(PeerConfig peer, String password) {
        MongoPeer mongo = of(peer);
        if (mongo.user() == null) {
            throw new InvalidPeerException("a password file was given but the peer URL names no user; write the"
                    + " user before the host (mongodb://USER@HOST:PORT/...), or leave out --password-file for a"
                    + " deployment without access control");
        }
        return mongo.withPassword(password);
    }

    @Override
    public String publicJson(PeerConfig peer) {
        return MongoPeerConfig.publicJson(of(peer));
    }

    @Override
    public byte[] secretJson(PeerConfig peer) {
        return MongoPeerConfig.secretJson(of(peer));
    }

    @Override
    public PeerConfig fromSecretJson(String peerName, byte[] json) {
        return MongoPeerConfig.fromSecretJson(peerName, json);
    }

    /**
     * {@code peer} as the MongoDB peer it must be.
     *
     * @throws IllegalStateException when it is another type's
     */
    public static MongoPeer of(PeerConfig peer) {
        if (peer instanceof MongoPeer mongo) {
            return mongo;
        }
        throw new IllegalStateException("a " + peer.type().id() + " peer was given where a mongodb peer is needed");
    }
}
