package dev.mirrorflow.worker;

/**
 * The secret key that protects peers' passwords cannot be had: the environment variable holds no
 * valid key, or the key file cannot be read or created. The message is one line that says what to
 * do and never contains key material.
 */
public final class SecretKeyException extends RuntimeException {

    public SecretKeyException(String message) {
        super(message);
    }
}
