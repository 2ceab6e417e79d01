package dev.mirrorflow.worker;

/** Temporal cannot be reached; the message is one line a user can act on. */
public final class TemporalUnavailableException extends RuntimeException {

    public TemporalUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
