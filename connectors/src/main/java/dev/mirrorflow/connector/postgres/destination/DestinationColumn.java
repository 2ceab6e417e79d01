package dev.mirrorflow.connector.postgres.destination;

/**
 * A column of a destination table as the destination's catalog describes it.
 *
 * @param type the type as the destination's {@code format_type()} prints it
 * @param keyPosition 1-based position in the primary key, 0 when not part of it
 * @param sourceAttnum the attribute number of the source column it came from, as recorded in
 *     {@link SourceColumnsTable}; 0 when not recorded (a table prepared before it was kept)
 */
record DestinationColumn(String name, String type, int keyPosition, int sourceAttnum) {

    DestinationColumn(String name, String type, int keyPosition) {
        this(name, type, keyPosition, 0);
    }

    boolean isKey() {
        return keyPosition > 0;
    }
}
