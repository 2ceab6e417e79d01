package dev.mirrorflow.connector.postgres.peer;

import dev.mirrorflow.connector.PeerCodec;
import dev.mirrorflow.connector.PeerConfig;
import dev.mirrorflow.connector.PeerType;

/** PostgreSQL peers: URLs by {@link PostgresPeerUrl}, the catalog's JSON by {@link PostgresPeerConfig}. */
public final class PostgresPeerCodec implements PeerCodec {

    @Override
    public PeerType type() {
        return PeerType.POSTGRES;
    }

    @Override
    public PeerConfig parseUrl(String url) {
        return PostgresPeerUrl.parse(url);
    }

    @Override
    public PeerConfig withPassword(PeerConfig peer, String password) {
        PostgresPeer postgres = of(peer);
        return postgres.withLogin(postgres.user(), password);
    }

    @Override
    public String publicJson(PeerConfig peer) {
        return PostgresPeerConfig.publicJson(of(peer));
    }

    @Override
    public byte[] secretJson(PeerConfig peer) {
        return PostgresPeerConfig.secretJson(of(peer));
    }

    @Override
    public PeerConfig fromSecretJson(String peerName, byte[] json) {
        return PostgresPeerConfig.fromSecretJson(peerName, json);
    }

    /**
     * {@code peer} as the PostgreSQL peer it must be.
     *
     * @throws IllegalStateException when it is another type's
     */
    public static PostgresPeer of(PeerConfig peer) {
        if (peer instanceof PostgresPeer postgres) {
            return postgres;
        }
        throw new IllegalStateException("a " + peer.type().id() + " peer was given where a postgres peer is needed");
    }
}
