package dev.mirrorflow.catalog;

/**
 * A peer's stored secrets cannot be decrypted: another key, altered bytes, or bytes of another
 * peer. The message is one line that says what to do; it never holds key, plaintext or ciphertext,
 * and there is deliberately no cause that might.
 */
public final class SecretDecryptionException extends RuntimeException {

    public SecretDecryptionException(String message) {
        super(message);
    }
}
