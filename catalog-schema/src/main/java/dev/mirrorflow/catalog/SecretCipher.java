package dev.mirrorflow.catalog;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts the secret part of a peer's configuration for the catalog's {@code config_encrypted}
 * column, with AES-256-GCM under one key that every worker and CLI of an installation shares.
 *
 * <p>A sealed value is a format version byte, a random 12-byte nonce, then the ciphertext with
 * its 16-byte tag. The version byte and the peer's name are the associated data, so a ciphertext
 * copied onto another peer's row, or a changed version byte, fails authentication instead of
 * decrypting into the wrong peer.
 *
 * <p>The {@linkplain #keyId() key id}, the first 8 hex digits of the key's SHA-256, is stored next
 * to each ciphertext so that a process holding another key can say so plainly rather than report
 * a failed tag. It reveals nothing useful about a 256-bit random key, and an operator can compute
 * it with {@code base64 -d | sha256sum}.
 *
 * <p>Nothing here ever puts key, plaintext or ciphertext into a message or {@link #toString()}.
 */
public final class SecretCipher {

    /** AES-256 keys only: there is no reason to accept weaker ones. */
    public static final int KEY_BYTES = 32;

    /** The layout described above; a new layout gets a new number, and old rows keep theirs. */
    static final byte FORMAT_VERSION = 1;
    static final int NONCE_BYTES = 12;
    static final int TAG_BYTES = 16;
    private static final int HEADER_BYTES = 1 + NONCE_BYTES;

    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final String keyId;

    /**
     * @param key exactly {@value #KEY_BYTES} random bytes; copied, so the caller may wipe its array
     */
    public SecretCipher(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("a secret key must be " + KEY_BYTES + " bytes, not " + key.length);
        }
        this.key = new SecretKeySpec(key, "AES");
        this.keyId = keyIdOf(key);
    }

    /** A new random key, for the first process of an installation. */
    public static byte[] newKey() {
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        return key;
    }

    /** The first 8 hex digits of the SHA-256 of the key. */
    public static String keyIdOf(byte[] key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key);
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java runtime has no SHA-256", e);
        }
    }

    /** The fingerprint stored with every peer this cipher encrypts (the {@code key_id} column). */
    public String keyId() {
        return keyId;
    }

    /**
     * Encrypts {@code plaintext} for the peer named {@code peerName}; every call uses a fresh nonce,
     * so the same plaintext never gives the same bytes twice.
     */
    public byte[] encrypt(String peerName, byte[] plaintext) {
        Objects.requireNonNull(plaintext, "plaintext");
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, nonce, peerName);
            ByteBuffer sealed = ByteBuffer.allocate(HEADER_BYTES + plaintext.length + TAG_BYTES);
            sealed.put(FORMAT_VERSION).put(nonce);
            cipher.doFinal(ByteBuffer.wrap(plaintext), sealed);
            return sealed.array();
        } catch (GeneralSecurityException e) {
            // AES-GCM is a required algorithm of every Java SE runtime; this is a broken installation.
            throw new IllegalStateException("AES-GCM encryption failed: " + e.getClass().getSimpleName(), e);
        }
    }

    /**
     * Decrypts what {@link #encrypt} produced for the same peer name.
     *
     * @param storedKeyId the key id stored with the ciphertext, checked first so that a process
     *     with another key gets a message naming both keys
     * @throws SecretDecryptionException with a one-line message when the key differs, the bytes
     *     were altered, or they belong to another peer
     */
    public byte[] decrypt(String peerName, String storedKeyId, byte[] sealed) {
        Objects.requireNonNull(sealed, "sealed");
        if (!keyId.equals(storedKeyId)) {
            throw new SecretDecryptionException(wrongKeyMessage(peerName, storedKeyId, keyId));
        }
        if (sealed.length < HEADER_BYTES + TAG_BYTES) {
            throw new SecretDecryptionException(damaged(peerName, "they are too short to be encrypted secrets"));
        }
        if (sealed[0] != FORMAT_VERSION) {
            throw new SecretDecryptionException(damaged(peerName,
                    "their format version is " + sealed[0] + ", which this mirrorflow does not know"));
        }
        byte[] nonce = Arrays.copyOfRange(sealed, 1, HEADER_BYTES);
        try {
            return cipher(Cipher.DECRYPT_MODE, nonce, peerName)
                    .doFinal(sealed, HEADER_BYTES, sealed.length - HEADER_BYTES);
        } catch (AEADBadTagException e) {
            throw new SecretDecryptionException(damaged(peerName,
                    "they fail authentication, so they were altered or belong to another peer"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed: " + e.getClass().getSimpleName(), e);
        }
    }

    /**
     * The message for a peer encrypted under another key; also used by callers that have no key
     * at all ({@code processKeyId} null).
     */
    public static String wrongKeyMessage(String peerName, String storedKeyId, String processKeyId) {
        String has = processKeyId == null ? "this process has no secret key" : "this process has key " + processKeyId;
        return "peer " + peerName + " was encrypted with key " + storedKeyId + " but " + has
                + "; set MIRRORFLOW_SECRET_KEY to the key the peers were created with";
    }

    private static String damaged(String peerName, String why) {
        return "cannot decrypt the stored secrets of peer " + peerName + ": " + why
                + "; recreate it with mirrorflow peer drop " + peerName + " and mirrorflow peer create " + peerName;
    }

    private Cipher cipher(int mode, byte[] nonce, String peerName) throws GeneralSecurityException {
        Objects.requireNonNull(peerName, "peerName");
        Cipher cipher = Cipher.getInstance(TRANSFORMATION);
        cipher.init(mode, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
        cipher.updateAAD(new byte[] {FORMAT_VERSION});
        cipher.updateAAD(peerName.getBytes(UTF_8));
        return cipher;
    }

    @Override
    public String toString() {
        return "SecretCipher[key " + keyId + "]";
    }
}
