package dev.mirrorflow.connector.postgres;

/** The source cannot serve us right now (unreachable, restarting, out of connections); retry later. */
public final class SourceUnavailableException extends SourceException {

    /** Do not rename: see {@link SourceException#type()}. */
    public static final String TYPE = "SourceUnavailable";

    public SourceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean retryable() {
        return true;
    }

    @Override
    public String type() {
        return TYPE;
    }
}
