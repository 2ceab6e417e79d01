package dev.mirrorflow.connector.postgres;

import dev.mirrorflow.workflow.FailureTypes;

/** The source cannot serve us right now (unreachable, restarting, out of connections); retry later. */
public final class SourceUnavailableException extends SourceException {

    /** Do not rename: see {@link SourceException#type()}. */
    public static final String TYPE = FailureTypes.SOURCE_UNAVAILABLE;

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
