package dev.mirrorflow.connector;

/**
 * A peer definition that cannot be stored as given: a bad name, an unknown type, a URL that does
 * not parse or that carries a secret. Found before anything is stored or connected; the message is
 * one line that says what to change and never repeats a secret or the raw URL.
 */
public final class InvalidPeerException extends RuntimeException {

    public InvalidPeerException(String message) {
        super(message);
    }
}
