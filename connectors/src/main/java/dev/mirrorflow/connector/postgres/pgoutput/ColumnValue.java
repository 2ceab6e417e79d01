package dev.mirrorflow.connector.postgres.pgoutput;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One column of a {@link TupleData}, in one of the four forms pgoutput sends.
 *
 * <p>{@link #NULL}, {@link #UNCHANGED_TOAST} and an empty {@link Text} are three different
 * things: an unchanged TOAST column means "keep the value the destination already has", which
 * is neither "set it to NULL" nor "set it to ''".
 */
public sealed interface ColumnValue
        permits ColumnValue.Null, ColumnValue.UnchangedToast, ColumnValue.Text, ColumnValue.Binary {

    /** The SQL NULL ({@code 'n'}). */
    ColumnValue NULL = new Null();

    /** A TOASTed value the update did not change, which the server therefore did not send ({@code 'u'}). */
    ColumnValue UNCHANGED_TOAST = new UnchangedToast();

    /** The SQL NULL ({@code 'n'}); use {@link ColumnValue#NULL}. */
    record Null() implements ColumnValue {
    }

    /** An unchanged TOASTed value ({@code 'u'}); use {@link ColumnValue#UNCHANGED_TOAST}. */
    record UnchangedToast() implements ColumnValue {
    }

    /** A value in the type's text output form ({@code 't'}), for example {@code 2024-02-29 08:15:56+00}. */
    record Text(String text) implements ColumnValue {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * A value in the type's binary send form ({@code 'b'}), sent only when the slot was started
     * with the {@code binary} option.
     */
    record Binary(byte[] bytes) implements ColumnValue {
        // A record would share and compare the array by reference; copying keeps the value
        // immutable and the content-based equality below makes two equal values equal.
        public Binary {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Binary binary && Arrays.equals(binary.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Binary[" + HexFormat.of().formatHex(bytes) + "]";
        }
    }
}
