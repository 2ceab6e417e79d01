package dev.mirrorflow.connector.mongo.document;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import org.bson.BsonSerializationException;
import org.bson.RawBsonDocument;
import org.bson.types.Decimal128;

/**
 * Writes a BSON document, straight from its bytes, as the relaxed Extended JSON text that the
 * driver's {@code BsonDocument.toJson(JsonMode.RELAXED)} writes for it, dropping excluded field
 * paths on the way.
 *
 * <p>The driver's way (decode into a {@code BsonDocument}, clone it to drop fields, write it
 * through {@code JsonWriter}) costs most of the initial load's time: a tree of objects per
 * document, a synchronized {@code StringWriter} written char by char, a regular expression per
 * double and a {@code ZonedDateTime} per date. This class walks the bytes once into one
 * {@code StringBuilder}. Its output is the driver's, char for char, for every BSON type
 * ({@code MongoRelaxedJsonEncoderTest} compares the two over all of them), with one difference
 * that does not reach the destination: a document holding the same field name twice keeps every
 * occurrence in its place, where the driver's decoded document keeps the last value at the first
 * place; jsonb keeps the last value of a repeated key, so the stored {@code doc} is the same.
 *
 * <p>Stateless; safe from any thread.
 */
final class RelaxedJsonEncoder {

    private static final long LAST_MS_OF_YEAR_9999 = 253_402_300_799_999L;
    private static final long MS_PER_DAY = 86_400_000L;
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final char[] HEX_UPPER = "0123456789ABCDEF".toCharArray();
    /** What an ASCII char is written as inside a JSON string, or null when it is written as itself. */
    private static final String[] ASCII_ESCAPES = new String[128];

    static {
        for (char c = 0; c < 128; c++) {
            ASCII_ESCAPES[c] = switch (c) {
                case '"' -> "\\\"";
                case '\\' -> "\\\\";
                case '\b' -> "\\b";
                case '\f' -> "\\f";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                default -> writtenAsItself(c) ? null : unicodeEscape(c);
            };
        }
    }

    private RelaxedJsonEncoder() {}

    /**
     * A document's relaxed Extended JSON and its {@code _id}.
     *
     * @param json the document minus the excluded paths
     * @param idText the {@code _id}'s text when it is an ObjectId (hex) or a string (as is), else null
     * @param idElement for an {@code _id} of another type, a document holding only it (its
     *     canonical Extended JSON is the text), else null; both null when the document has no
     *     {@code _id}
     */
    record Encoded(String json, String idText, RawBsonDocument idElement) {}

    /**
     * @param bson the bytes holding the document
     * @param offset where the document (its int32 length) starts
     * @param excluded the excluded paths as a tree: a field name to null (drop it) or to the paths
     *     under it; empty for none
     * @throws BsonSerializationException when the bytes are not a BSON document
     */
    static Encoded encode(byte[] bson, int offset, Map<String, Object> excluded) {
        int length = int32(bson, offset);
        // Extended JSON is longer than BSON (an ObjectId's 12 bytes are 34 chars, a date's 8 bytes
        // about 36): room for twice the bytes saves growing the builder for most documents.
        StringBuilder out = new StringBuilder(2 * length + 64);
        int[] id = {-1, -1};
        try {
            document(bson, offset, excluded.isEmpty() ? null : excluded, out, id);
        } catch (IndexOutOfBoundsException e) {
            throw new BsonSerializationException("a BSON document ends before its last field (" + e.getMessage() + ")");
        }
        String json = out.toString();
        if (id[0] < 0) {
            return new Encoded(json, null, null);
        }
        // The last _id, as the driver's decoded document kept the last value of a repeated name.
        int element = id[0];
        int value = element + 5;
        return switch (bson[element]) {
            case 0x07 -> {
                StringBuilder hex = new StringBuilder(24);
                hex(bson, value, 12, hex);
                yield new Encoded(json, hex.toString(), null);
            }
            case 0x02 -> new Encoded(json, new String(bson, value + 4, int32(bson, value) - 1, StandardCharsets.UTF_8),
                    null);
            default -> {
                int size = id[1] - element;
                byte[] only = new byte[size + 5];
                ByteBuffer.wrap(only).order(ByteOrder.LITTLE_ENDIAN).putInt(0, only.length);
                System.arraycopy(bson, element, only, 4, size);
                yield new Encoded(json, null, new RawBsonDocument(only));
            }
        };
    }

    /**
     * Writes the document at {@code at}; returns the offset after it. For the top-level document
     * {@code id} is given and takes where its last {@code _id} element starts and ends.
     */
    @SuppressWarnings("unchecked")
    private static int document(byte[] b, int at, Map<String, Object> excluded, StringBuilder out, int[] id) {
        int end = at + int32(b, at);
        int p = at + 4;
        out.append('{');
        boolean first = true;
        while (true) {
            byte type = b[p++];
            if (type == 0) {
                break;
            }
            int element = p - 1;
            int nameEnd = cstringEnd(b, p);
            boolean isId = id != null && nameEnd == p + 3 && b[p] == '_' && b[p + 1] == 'i' && b[p + 2] == 'd';
            Map<String, Object> under = null;
            if (excluded != null) {
                String name = new String(b, p, nameEnd - p, StandardCharsets.UTF_8);
                if (excluded.containsKey(name)) {
                    under = (Map<String, Object>) excluded.get(name);
                    if (under == null) {
                        p = skip(b, type, nameEnd + 1);
                        continue;
                    }
                }
            }
            if (!first) {
                out.append(", ");
            }
            first = false;
            string(b, p, nameEnd, out);
            out.append(": ");
            p = value(b, type, nameEnd + 1, under, out);
            if (isId) {
                id[0] = element;
                id[1] = p;
            }
        }
        out.append('}');
        if (p != end) {
            throw new BsonSerializationException("a BSON document's length says " + (end - at) + " bytes, its fields"
                    + " take " + (p - at));
        }
        return end;
    }

    /** Writes the array at {@code at}, the exclusions {@code excluded} applying to each document in it. */
    private static int array(byte[] b, int at, Map<String, Object> excluded, StringBuilder out) {
        int end = at + int32(b, at);
        int p = at + 4;
        out.append('[');
        boolean first = true;
        while (true) {
            byte type = b[p++];
            if (type == 0) {
                break;
            }
            if (!first) {
                out.append(", ");
            }
            first = false;
            p = value(b, type, cstringEnd(b, p) + 1, excluded, out);
        }
        out.append(']');
        return end;
    }

    /** Writes the value of {@code type} at {@code p}; returns the offset after it. */
    private static int value(byte[] b, byte type, int p, Map<String, Object> excluded, StringBuilder out) {
        switch (type) {
            case 0x01 -> {
                double value = Double.longBitsToDouble(int64(b, p));
                if (Double.isNaN(value) || Double.isInfinite(value)) {
                    out.append("{\"$numberDouble\": \"").append(value).append("\"}");
                } else {
                    number(value, out);
                }
                return p + 8;
            }
            case 0x02 -> {
                int size = int32(b, p);
                string(b, p + 4, p + 4 + size - 1, out);
                return p + 4 + size;
            }
            case 0x03 -> {
                return document(b, p, excluded, out, null);
            }
            case 0x04 -> {
                return array(b, p, excluded, out);
            }
            case 0x05 -> {
                int size = int32(b, p);
                byte subType = b[p + 4];
                int data = p + 5;
                int dataSize = size;
                if (subType == 0x02) {
                    // The old binary subtype repeats the length inside; the driver leaves it out.
                    if (int32(b, data) != size - 4) {
                        throw new BsonSerializationException("Binary sub type OldBinary has inconsistent sizes");
                    }
                    data += 4;
                    dataSize -= 4;
                }
                out.append("{\"$binary\": {\"base64\": \"")
                        .append(Base64.getEncoder().encodeToString(Arrays.copyOfRange(b, data, data + dataSize)))
                        .append("\", \"subType\": \"").append(HEX_UPPER[(subType >> 4) & 0xF])
                        .append(HEX_UPPER[subType & 0xF]).append("\"}}");
                return p + 5 + size;
            }
            case 0x06 -> {
                out.append("{\"$undefined\": true}");
                return p;
            }
            case 0x07 -> {
                out.append("{\"$oid\": \"");
                hex(b, p, 12, out);
                out.append("\"}");
                return p + 12;
            }
            case 0x08 -> {
                out.append(b[p] != 0 ? "true" : "false");
                return p + 1;
            }
            case 0x09 -> {
                date(int64(b, p), out);
                return p + 8;
            }
            case 0x0A -> {
                out.append("null");
                return p;
            }
            case 0x0B -> {
                int patternEnd = cstringEnd(b, p);
                int optionsEnd = cstringEnd(b, patternEnd + 1);
                out.append("{\"$regularExpression\": {\"pattern\": ");
                string(b, p, patternEnd, out);
                out.append(", \"options\": ");
                // The driver sorts a regular expression's options (BsonRegularExpression does).
                char[] options = new String(b, patternEnd + 1, optionsEnd - patternEnd - 1, StandardCharsets.UTF_8)
                        .toCharArray();
                Arrays.sort(options);
                quoted(new String(options), out);
                out.append("}}");
                return optionsEnd + 1;
            }
            case 0x0C -> {
                // Relaxed mode writes a DBPointer as {"$ref": ..., "$id": ...}, without "$dbPointer".
                int size = int32(b, p);
                out.append("{\"$ref\": ");
                string(b, p + 4, p + 4 + size - 1, out);
                out.append(", \"$id\": {\"$oid\": \"");
                hex(b, p + 4 + size, 12, out);
                out.append("\"}}");
                return p + 4 + size + 12;
            }
            case 0x0D, 0x0E -> {
                int size = int32(b, p);
                out.append(type == 0x0D ? "{\"$code\": " : "{\"$symbol\": ");
                string(b, p + 4, p + 4 + size - 1, out);
                out.append('}');
                return p + 4 + size;
            }
            case 0x0F -> {
                int end = p + int32(b, p);
                int size = int32(b, p + 4);
                out.append("{\"$code\": ");
                string(b, p + 8, p + 8 + size - 1, out);
                out.append(", \"$scope\": ");
                // Exclusions reach into documents and arrays, not into a code's scope.
                document(b, p + 8 + size, null, out, null);
                out.append('}');
                return end;
            }
            case 0x10 -> {
                out.append(int32(b, p));
                return p + 4;
            }
            case 0x11 -> {
                long increment = int32(b, p) & 0xFFFF_FFFFL;
                long time = int32(b, p + 4) & 0xFFFF_FFFFL;
                out.append("{\"$timestamp\": {\"t\": ").append(time).append(", \"i\": ").append(increment).append("}}");
                return p + 8;
            }
            case 0x12 -> {
                out.append(int64(b, p));
                return p + 8;
            }
            case 0x13 -> {
                Decimal128 value = Decimal128.fromIEEE754BIDEncoding(int64(b, p + 8), int64(b, p));
                out.append("{\"$numberDecimal\": \"").append(value).append("\"}");
                return p + 16;
            }
            case (byte) 0xFF -> {
                out.append("{\"$minKey\": 1}");
                return p;
            }
            case 0x7F -> {
                out.append("{\"$maxKey\": 1}");
                return p;
            }
            default -> throw new BsonSerializationException("unknown BSON type 0x" + Integer.toHexString(type & 0xFF));
        }
    }

    /** The offset after the value of {@code type} at {@code p}, without writing it. */
    private static int skip(byte[] b, byte type, int p) {
        return switch (type) {
            case 0x01, 0x09, 0x11, 0x12 -> p + 8;
            case 0x02, 0x0D, 0x0E -> p + 4 + int32(b, p);
            case 0x03, 0x04, 0x0F -> p + int32(b, p);
            case 0x05 -> p + 5 + int32(b, p);
            case 0x06, 0x0A, (byte) 0xFF, 0x7F -> p;
            case 0x07 -> p + 12;
            case 0x08 -> p + 1;
            case 0x0B -> cstringEnd(b, cstringEnd(b, p) + 1) + 1;
            case 0x0C -> p + 4 + int32(b, p) + 12;
            case 0x10 -> p + 4;
            case 0x13 -> p + 16;
            default -> throw new BsonSerializationException("unknown BSON type 0x" + Integer.toHexString(type & 0xFF));
        };
    }

    /** A finite double as the driver writes it: Java's form with a positive exponent signed ({@code 1.0E+21}). */
    private static void number(double value, StringBuilder out) {
        String text = Double.toString(value);
        int e = text.indexOf('E');
        if (e < 0 || text.charAt(e + 1) == '-') {
            out.append(text);
        } else {
            out.append(text, 0, e + 1).append('+').append(text, e + 1, text.length());
        }
    }

    /**
     * A date: in the years 1970 to 9999 as ISO-8601 in UTC with the milliseconds' trailing zeros
     * dropped ({@code 2023-11-14T22:13:20.12Z}), what {@code ISO_OFFSET_DATE_TIME} prints; any
     * other as its milliseconds since the epoch.
     */
    private static void date(long millis, StringBuilder out) {
        if (millis < 0 || millis > LAST_MS_OF_YEAR_9999) {
            out.append("{\"$date\": {\"$numberLong\": \"").append(millis).append("\"}}");
            return;
        }
        long days = millis / MS_PER_DAY;
        int ofDay = (int) (millis % MS_PER_DAY);
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm, proleptic Gregorian).
        long z = days + 719_468;
        long era = z / 146_097;
        long dayOfEra = z - era * 146_097;
        long yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        long mp = (5 * dayOfYear + 2) / 153;
        int day = (int) (dayOfYear - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        int year = (int) (yearOfEra + era * 400 + (month <= 2 ? 1 : 0));
        out.append("{\"$date\": \"");
        digits(year, 4, out);
        out.append('-');
        digits(month, 2, out);
        out.append('-');
        digits(day, 2, out);
        out.append('T');
        digits(ofDay / 3_600_000, 2, out);
        out.append(':');
        digits(ofDay / 60_000 % 60, 2, out);
        out.append(':');
        digits(ofDay / 1_000 % 60, 2, out);
        int ms = ofDay % 1_000;
        if (ms != 0) {
            out.append('.').append((char) ('0' + ms / 100));
            if (ms % 100 != 0) {
                out.append((char) ('0' + ms / 10 % 10));
                if (ms % 10 != 0) {
                    out.append((char) ('0' + ms % 10));
                }
            }
        }
        out.append("Z\"}");
    }

    private static void digits(int value, int width, StringBuilder out) {
        for (int divisor = width == 4 ? 1_000 : 10; divisor > 0; divisor /= 10) {
            out.append((char) ('0' + value / divisor % 10));
        }
    }

    private static void hex(byte[] b, int p, int count, StringBuilder out) {
        for (int i = p; i < p + count; i++) {
            out.append(HEX[(b[i] >> 4) & 0xF]).append(HEX[b[i] & 0xF]);
        }
    }

    /** Writes the UTF-8 bytes {@code [from, to)} as a quoted JSON string. */
    private static void string(byte[] b, int from, int to, StringBuilder out) {
        out.append('"');
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c < 0) {
                // Not ASCII: decode the rest as the driver does (malformed bytes become U+FFFD).
                escaped(new String(b, i, to - i, StandardCharsets.UTF_8), out);
                break;
            }
            String escape = ASCII_ESCAPES[c];
            if (escape == null) {
                out.append((char) c);
            } else {
                out.append(escape);
            }
        }
        out.append('"');
    }

    private static void quoted(String text, StringBuilder out) {
        out.append('"');
        escaped(text, out);
        out.append('"');
    }

    /** Escapes as the driver's {@code StrictCharacterStreamJsonWriter} does. */
    private static void escaped(String text, StringBuilder out) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 128) {
                String escape = ASCII_ESCAPES[c];
                if (escape == null) {
                    out.append(c);
                } else {
                    out.append(escape);
                }
            } else if (writtenAsItself(c)) {
                out.append(c);
            } else {
                out.append(unicodeEscape(c));
            }
        }
    }

    /** The driver writes letters, digits, punctuation, symbols and spaces as they are, the rest as {@code \\uXXXX}. */
    private static boolean writtenAsItself(char c) {
        return switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.OTHER_LETTER, Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER,
                    Character.OTHER_NUMBER, Character.SPACE_SEPARATOR, Character.CONNECTOR_PUNCTUATION,
                    Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                    Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                    Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> true;
            default -> false;
        };
    }

    private static String unicodeEscape(char c) {
        return "\\u" + HEX[(c >> 12) & 0xF] + HEX[(c >> 8) & 0xF] + HEX[(c >> 4) & 0xF] + HEX[c & 0xF];
    }

    /** The offset of the NUL that ends the C string at {@code p}. */
    private static int cstringEnd(byte[] b, int p) {
        while (b[p] != 0) {
            p++;
        }
        return p;
    }

    private static int int32(byte[] b, int p) {
        return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF) << 16 | (b[p + 3] & 0xFF) << 24;
    }

    private static long int64(byte[] b, int p) {
        return (int32(b, p) & 0xFFFF_FFFFL) | (long) int32(b, p + 4) << 32;
    }
}
