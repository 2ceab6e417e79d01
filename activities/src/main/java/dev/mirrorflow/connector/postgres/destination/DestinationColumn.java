package dev.mirrorflow.connector.postgres.destination;

/**
 * A column of a destination table as the destination's catalog describes it.
 *
 * @param type the type as the destination's {@code format_type()} prints it
 * @param keyPosition 1-based position in the primary key, 0 when not part of it
 */
record DestinationColumn(String name, String type, int keyPosition) {

    boolean isKey() {
        return keyPosition > 0;
    }
}
