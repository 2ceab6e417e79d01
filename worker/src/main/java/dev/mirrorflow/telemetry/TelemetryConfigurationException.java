package dev.mirrorflow.telemetry;

/** The {@code OTEL_*} settings cannot be used; the message says which and what to do. */
public final class TelemetryConfigurationException extends RuntimeException {

    public TelemetryConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
