package dev.mirrorflow.worker;

/**
 * A Temporal connection setting that cannot work (a client certificate without its key, a TLS file
 * that cannot be read or parsed): one line naming the option. Unlike {@link TemporalUnavailableException}
 * no wait makes it go away, so a worker waiting for its dependencies stops on it.
 */
public final class TemporalSettingsException extends RuntimeException {

    public TemporalSettingsException(String message, Throwable cause) {
        super(message, cause);
    }
}
