package dev.mirrorflow.connector.postgres.stream;

import java.util.Set;

/** Whether an enum value, or every element of an enum array value, in PostgreSQL's text output is a known label. */
final class EnumValues {

    private EnumValues() {
    }

    /**
     * @param text the value as pgoutput sends it: a label, or for an array its literal, such as
     *     {@code {happy,"very sad",NULL}} or {@code [0:1]={a,b}}, nested for more dimensions
     * @param array whether the column is an array of the enum
     */
    static boolean allKnown(String text, Set<String> labels, boolean array) {
        if (!array) {
            return labels.contains(text);
        }
        int i = text.startsWith("[") ? text.indexOf('=') + 1 : 0;
        StringBuilder element = new StringBuilder();
        boolean inQuotes = false;
        boolean quoted = false;
        boolean any = false;
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inQuotes) {
                if (c == '\\' && i + 1 < text.length()) {
                    element.append(text.charAt(++i));
                } else if (c == '"') {
                    inQuotes = false;
                } else {
                    element.append(c);
                }
            } else if (c == '"') {
                inQuotes = true;
                quoted = true;
                any = true;
            } else if (c == ',' || c == '}') {
                // An unquoted NULL is an SQL NULL element; a label spelled NULL comes quoted.
                boolean isNull = !quoted && "NULL".contentEquals(element);
                if (any && !isNull && !labels.contains(element.toString())) {
                    return false;
                }
                element.setLength(0);
                quoted = false;
                any = false;
            } else if (c != '{') {
                element.append(c);
                any = true;
            }
        }
        return true;
    }
}
