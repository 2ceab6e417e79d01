package dev.mirrorflow.model;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * PostgreSQL's identifier syntax for the table and column names of a spec, and the one written
 * form mirrorflow stores and prints them in.
 *
 * <p>An unquoted name is folded to lower case as PostgreSQL folds it (only the ASCII letters
 * {@code A-Z}, as PostgreSQL does in a UTF-8 database); a name in double quotes is kept exactly,
 * with {@code ""} standing for one double quote. A qualified name is split on the dot outside
 * quotes. The written form quotes every name that is not plain lowercase letters, digits and
 * underscores, so it reads back to the same exact names, and names that were valid before quoted
 * names were supported are written as they always were.
 */
public final class IdentifierSyntax {

    /** PostgreSQL truncates longer identifiers (NAMEDATALEN - 1 bytes), which would silently rename a table. */
    public static final int MAX_IDENTIFIER_BYTES = 63;

    /** Names written without quotes: this keeps the stored form of specs written before quoting was supported. */
    private static final Pattern PLAIN = Pattern.compile("[a-z0-9_]+");

    private IdentifierSyntax() {}

    /** A name that is not an identifier; the message says what is wrong, without the name's context. */
    public static final class InvalidIdentifierException extends IllegalArgumentException {
        InvalidIdentifierException(String message) {
            super(message);
        }
    }

    /**
     * The exact names of {@code name} or {@code schema.name}, one or two of them.
     *
     * @throws InvalidIdentifierException when it is not one or two identifiers joined by a dot
     */
    public static List<String> parseQualified(String written) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        int n = written.length();
        while (true) {
            if (i >= n) {
                throw new InvalidIdentifierException(parts.isEmpty() ? "the name is empty" : "a name is missing after the dot");
            }
            StringBuilder part = new StringBuilder();
            if (written.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new InvalidIdentifierException("a double quote is not closed");
                    }
                    char c = written.charAt(i++);
                    if (c == '"') {
                        if (i < n && written.charAt(i) == '"') {
                            part.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        part.append(c);
                    }
                }
                if (part.isEmpty()) {
                    throw new InvalidIdentifierException("\"\" is an empty name");
                }
            } else {
                int start = i;
                while (i < n && written.charAt(i) != '.' && written.charAt(i) != '"') {
                    int cp = written.codePointAt(i);
                    boolean first = i == start;
                    if (!isUnquotedCharacter(cp, first)) {
                        throw new InvalidIdentifierException(describe(cp) + " cannot be part of a name without double quotes");
                    }
                    part.appendCodePoint(foldCase(cp));
                    i += Character.charCount(cp);
                }
                if (i < n && written.charAt(i) == '"') {
                    throw new InvalidIdentifierException("a double quote may only enclose a whole name");
                }
                if (part.isEmpty()) {
                    throw new InvalidIdentifierException(
                            parts.isEmpty() ? "a name is missing before the dot" : "a name is missing after the dot");
                }
            }
            parts.add(requireExact(part.toString()));
            if (i >= n) {
                break;
            }
            if (written.charAt(i) != '.') {
                throw new InvalidIdentifierException("a quoted name must be followed by a dot or end there");
            }
            i++;
            if (parts.size() == 2) {
                throw new InvalidIdentifierException("it has more than two parts; write table or schema.table");
            }
        }
        return List.copyOf(parts);
    }

    /**
     * The exact name of one identifier (a column).
     *
     * @throws InvalidIdentifierException when it is not one identifier
     */
    public static String parseSingle(String written) {
        List<String> parts = parseQualified(written);
        if (parts.size() != 1) {
            throw new InvalidIdentifierException("it has a dot outside double quotes; a column is one name");
        }
        return parts.get(0);
    }

    /**
     * Checks an exact name as PostgreSQL stores it: not empty, no NUL, at most {@value
     * #MAX_IDENTIFIER_BYTES} bytes in UTF-8.
     */
    public static String requireExact(String name) {
        if (name.isEmpty()) {
            throw new InvalidIdentifierException("the name is empty");
        }
        if (name.indexOf('\0') >= 0) {
            throw new InvalidIdentifierException("it contains a NUL character, which PostgreSQL names cannot hold");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_IDENTIFIER_BYTES) {
            throw new InvalidIdentifierException("a name is " + bytes + " bytes long in UTF-8, longer than the "
                    + MAX_IDENTIFIER_BYTES + " that PostgreSQL keeps (it would cut it short)");
        }
        return name;
    }

    /** One exact name in the written form: as is when plain, else in double quotes. */
    public static String written(String exact) {
        return PLAIN.matcher(exact).matches() ? exact : '"' + exact.replace("\"", "\"\"") + '"';
    }

    /** An exact schema and table in the written form, {@code schema.table}. */
    public static String written(String schema, String table) {
        return written(schema) + "." + written(table);
    }

    /**
     * PostgreSQL's unquoted identifier characters: letters (non-ASCII too), {@code _}, and after
     * the first also digits and {@code $}. A leading digit is accepted as well, because specs
     * written before quoted names were supported could name {@code public.2024_sales}.
     */
    private static boolean isUnquotedCharacter(int cp, boolean first) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_' || (cp >= '0' && cp <= '9')) {
            return true;
        }
        if (cp == '$') {
            return !first;
        }
        return cp > 127 && Character.isLetterOrDigit(cp);
    }

    /** PostgreSQL folds only ASCII letters in multi-byte encodings such as UTF-8. */
    private static int foldCase(int cp) {
        return cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp;
    }

    private static String describe(int cp) {
        if (cp == 0) {
            return "a NUL character";
        }
        if (cp == ' ') {
            return "a space";
        }
        if (Character.isISOControl(cp) || Character.isWhitespace(cp)) {
            return String.format("the character U+%04X", cp);
        }
        return "'" + new String(Character.toChars(cp)) + "'";
    }
}
