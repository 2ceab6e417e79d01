package dev.mirrorflow.connector.postgres.pgoutput;

/** Closes the block that the last {@link StreamStartMessage} opened ({@code 'E'}). */
public record StreamStopMessage() {
}
