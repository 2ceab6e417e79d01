package dev.mirrorflow.connector;

/**
 * A problem with a mirror a user asked for ({@code mirror create}, or the tables an edit adds)
 * that a connector found before anything was written: the message is one line saying what is
 * wrong and what to do. Never retryable: someone must change the spec, a grant or the database.
 */
public final class MirrorCheckException extends RuntimeException implements ConnectorFailure {

    public MirrorCheckException(String message) {
        super(message);
    }

    @Override
    public String type() {
        return "MirrorCheck";
    }

    @Override
    public boolean retryable() {
        return false;
    }
}
