package dev.mirrorflow.connector.postgres.slot;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PostgreSQL log sequence number: a position in the write-ahead log.
 *
 * <p>Postgres treats an LSN as an unsigned 64-bit integer and prints it as two 32-bit halves in
 * hex, {@code 16/B374D848}. Java has no unsigned long, so ordering uses {@link
 * Long#compareUnsigned}; a plain {@code <} on {@link #asLong()} would misorder positions past
 * {@code 7FFFFFFF/FFFFFFFF}.
 */
public final class Lsn implements Comparable<Lsn> {

    /** {@code 0/0}, which Postgres uses for "no position" (InvalidXLogRecPtr). */
    public static final Lsn INVALID = new Lsn(0L);

    // Postgres' pg_lsn input accepts one to eight hex digits on each side of the slash.
    private static final Pattern TEXT_FORM = Pattern.compile("([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})");

    private final long value;

    private Lsn(long value) {
        this.value = value;
    }

    /** The LSN whose unsigned 64-bit value is {@code value}. */
    public static Lsn valueOf(long value) {
        return value == 0L ? INVALID : new Lsn(value);
    }

    /**
     * Parses Postgres' text form, for example {@code 16/B374D848}.
     *
     * @throws IllegalArgumentException if {@code text} is not in that form
     */
    public static Lsn valueOf(String text) {
        Matcher matcher = TEXT_FORM.matcher(text);
        if (!matcher.matches()) {
            throw new IllegalArgumentException(
                    "Not a PostgreSQL LSN: '" + text + "'; expected two hex numbers like 16/B374D848");
        }
        long high = Long.parseLong(matcher.group(1), 16);
        long low = Long.parseLong(matcher.group(2), 16);
        return valueOf(high << 32 | low);
    }

    /** The raw value, to be read as unsigned (as pgjdbc's {@code LogSequenceNumber} does). */
    public long asLong() {
        return value;
    }

    /** Whether this is a real position rather than {@link #INVALID}. */
    public boolean isValid() {
        return value != 0L;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Lsn lsn && lsn.value == value;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(value);
    }

    /** The form Postgres prints and accepts, {@code 16/B374D848}. */
    @Override
    public String toString() {
        return Long.toHexString(value >>> 32).toUpperCase() + "/" + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase();
    }
}
