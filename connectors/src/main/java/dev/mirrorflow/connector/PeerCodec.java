package dev.mirrorflow.connector;

import dev.mirrorflow.catalog.SecretDecryptionException;

/**
 * How the peers of one type are read from what {@code mirrorflow peer create} gets and kept in
 * the catalog's two configuration columns. {@link PeerStore} encrypts and decrypts; the codec
 * only turns a {@link PeerConfig} into JSON and back.
 */
public interface PeerCodec {

    PeerType type();

    /**
     * Reads the URL a user gave, without a password.
     *
     * @throws InvalidPeerException with one line saying what to change when the URL does not
     *     parse or carries a secret; the message never repeats the URL
     */
    PeerConfig parseUrl(String url);

    /** The same peer, logging in with {@code password} (the contents of the password file). */
    PeerConfig withPassword(PeerConfig peer, String password);

    /** The JSON for {@code config_public}: safe to show to anyone who may read the catalog. */
    String publicJson(PeerConfig peer);

    /**
     * The JSON to encrypt into {@code config_encrypted}, secrets included. The caller encrypts it
     * and then wipes the array.
     */
    byte[] secretJson(PeerConfig peer);

    /**
     * Reads decrypted {@link #secretJson} back.
     *
     * @throws SecretDecryptionException when it is not such JSON; the message names no content
     */
    PeerConfig fromSecretJson(String peerName, byte[] json);
}
