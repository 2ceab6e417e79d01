package dev.mirrorflow.cli.spec;

import com.fasterxml.jackson.core.JsonToken;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as the spec parser sees it: mappings, lists and scalars, each with the line
 * it starts on, so that every complaint can point at the line to fix.
 */
sealed interface SpecNode {

    int line();

    /** A mapping; its entries keep the order of the file. */
    record Mapping(int line, Map<String, Entry> entries) implements SpecNode {}

    /** One key of a mapping and its value; the key's line is where a user looks for it. */
    record Entry(String key, int line, SpecNode value) {}

    record Sequence(int line, List<SpecNode> items) implements SpecNode {}

    /**
     * A scalar as YAML typed it: text, a whole number (with its exact value), another number, a
     * boolean or null. {@code text} is the scalar as written; {@code doubleQuoted} says whether
     * it was in YAML's double quotes, which a user may have meant as SQL's.
     */
    record Scalar(int line, JsonToken token, String text, BigInteger integer, boolean doubleQuoted) implements SpecNode {

        Scalar(int line, JsonToken token, String text, BigInteger integer) {
            this(line, token, text, integer, false);
        }
    }
}
