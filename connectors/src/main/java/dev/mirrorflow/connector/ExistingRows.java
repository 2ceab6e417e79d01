package dev.mirrorflow.connector;

/**
 * What the rows a table already had when a column was added to it read in that column, as the
 * source's catalog tells. A change stream carries only the rows changed after the column was
 * added, so a destination adding the column must fill the others from this.
 *
 * @param value the value in the source type's text form when {@code kind} is {@link Kind#VALUE}
 * @param reason why the value cannot be known when {@code kind} is {@link Kind#UNKNOWN}
 */
public record ExistingRows(Kind kind, String value, String reason) {

    /** The column was added without a default: existing rows read NULL. */
    public static final ExistingRows NULL = new ExistingRows(Kind.NULL, null, null);

    public enum Kind {
        NULL,
        VALUE,
        UNKNOWN
    }

    public static ExistingRows value(String text) {
        return new ExistingRows(Kind.VALUE, text, null);
    }

    public static ExistingRows unknown(String reason) {
        return new ExistingRows(Kind.UNKNOWN, null, reason);
    }
}
