package dev.mirrorflow.cli.spec;

import com.fasterxml.jackson.core.JsonToken;

/** How the spec parser shows what it found, inside a one-line message. */
final class SpecValues {

    /** Longer values are cut: the line number already says where the rest is. */
    private static final int MAX_SHOWN = 60;

    private SpecValues() {}

    /** The value in single quotes, with line breaks and other control characters escaped. */
    static String quote(String value) {
        return "'" + printable(value) + "'";
    }

    /** The value with line breaks and other control characters escaped, and cut when long. */
    static String printable(String value) {
        StringBuilder b = new StringBuilder();
        int n = 0;
        for (int i = 0; i < value.length() && n < MAX_SHOWN; i++, n++) {
            char c = value.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR
                            || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        if (value.length() > MAX_SHOWN) {
            b.append("...");
        }
        return b.toString();
    }

    /** What a node is, in words, for "expected X, got Y". */
    static String describe(SpecNode node) {
        if (node instanceof SpecNode.Mapping) {
            return "a mapping";
        }
        if (node instanceof SpecNode.Sequence) {
            return "a list";
        }
        SpecNode.Scalar s = (SpecNode.Scalar) node;
        return switch (s.token()) {
            case VALUE_STRING -> s.text().isEmpty() ? "empty text" : "the text " + quote(s.text());
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + quote(s.text());
            case VALUE_TRUE, VALUE_FALSE -> "the boolean " + quote(s.text());
            case VALUE_NULL -> "no value";
            default -> quote(s.text());
        };
    }

    /** A number as a person writes it: {@code 1}, {@code 1.5}, never {@code 1.0E2}. */
    static String plain(double value) {
        return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    static boolean isText(SpecNode node) {
        return node instanceof SpecNode.Scalar s && s.token() == JsonToken.VALUE_STRING;
    }
}
