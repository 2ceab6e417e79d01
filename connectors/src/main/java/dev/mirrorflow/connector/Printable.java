package dev.mirrorflow.connector;

/**
 * Makes user input safe to quote in a one-line message: control characters would break the line
 * (or a terminal), and a very long value would bury the advice that follows it.
 */
final class Printable {

    private static final int MAX_CHARS = 64;

    private Printable() {}

    static String of(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        text.codePoints().limit(MAX_CHARS).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return text.codePointCount(0, text.length()) > MAX_CHARS ? b + "…" : b.toString();
    }
}
