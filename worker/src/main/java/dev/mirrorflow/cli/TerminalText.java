package dev.mirrorflow.cli;

import java.util.regex.Pattern;

/**
 * Text that one operator typed (a pause reason) or a server sent (an error) and that another
 * operator's terminal shows: escape sequences could move that terminal's cursor, recolour it or
 * retitle its window, and line breaks could fake lines of output, so they are taken out.
 */
final class TerminalText {

    /** The most of a reason that is stored and shown; a reason is a few words. */
    static final int MAX_REASON = 200;

    /** CSI sequences (colours, cursor moves), OSC sequences (window titles, links) and two-byte escapes. */
    private static final Pattern ESCAPE = Pattern.compile(
            "\\u001B\\[[0-?]*[ -/]*[@-~]|\\u001B\\][^\\u0007\\u001B]*(\\u0007|\\u001B\\\\)?|\\u001B[@-_]?|\\u009B[0-?]*[ -/]*[@-~]");

    private TerminalText() {}

    /** The text without escape sequences, with every other control character as a space. */
    static String clean(String text) {
        if (text == null) {
            return null;
        }
        String withoutEscapes = ESCAPE.matcher(text).replaceAll("");
        StringBuilder b = new StringBuilder(withoutEscapes.length());
        for (int i = 0; i < withoutEscapes.length(); i++) {
            char c = withoutEscapes.charAt(i);
            int type = Character.getType(c);
            boolean control = Character.isISOControl(c) || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.FORMAT;
            b.append(control ? ' ' : c);
        }
        return b.toString().strip();
    }

    /** A reason as it is stored and shown: {@link #clean clean} and at most {@link #MAX_REASON} characters. */
    static String reason(String text) {
        String cleaned = clean(text);
        if (cleaned == null || cleaned.length() <= MAX_REASON) {
            return cleaned;
        }
        int end = MAX_REASON - 1;
        // A surrogate pair is never split in half.
        if (Character.isHighSurrogate(cleaned.charAt(end - 1))) {
            end--;
        }
        return cleaned.substring(0, end) + "…";
    }
}
