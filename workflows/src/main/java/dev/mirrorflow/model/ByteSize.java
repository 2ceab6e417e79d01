package dev.mirrorflow.model;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as a spec writes them: a whole number with one of PostgreSQL's memory units, {@code B},
 * {@code kB}, {@code MB} or {@code GB}, each 1024 times the one before (the case of the unit
 * does not matter, so {@code 64mb} reads as {@code 64MB}).
 */
public final class ByteSize {

    private static final Pattern SIZE = Pattern.compile("([0-9]{1,10})\\s*(B|kB|MB|GB)", Pattern.CASE_INSENSITIVE);

    private ByteSize() {}

    /**
     * The number of bytes {@code text} says.
     *
     * @throws IllegalArgumentException when it is no number followed by a unit
     */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size; write e.g. 512kB, 32MB or 1GB");
        }
        long number = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "B" -> 0;
            case "KB" -> 10;
            case "MB" -> 20;
            default -> 30;
        };
        return number << shift;
    }

    /** The size in the largest unit that says it exactly: {@code 32MB}, {@code 1536kB}, {@code 100B}. */
    public static String format(long bytes) {
        String[] units = {"B", "kB", "MB", "GB"};
        int unit = 0;
        long value = bytes;
        while (unit < units.length - 1 && value != 0 && value % 1024 == 0) {
            value /= 1024;
            unit++;
        }
        return value + units[unit];
    }
}
