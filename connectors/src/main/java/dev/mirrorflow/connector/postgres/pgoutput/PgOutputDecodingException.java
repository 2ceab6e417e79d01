package dev.mirrorflow.connector.postgres.pgoutput;

/**
 * A pgoutput message could not be decoded: it is truncated, malformed, of an unknown type, or of
 * a protocol version this decoder does not speak. Retrying cannot help, since the server will
 * send the same bytes again.
 */
public final class PgOutputDecodingException extends RuntimeException {

    PgOutputDecodingException(String message) {
        super(message);
    }

    PgOutputDecodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
