package dev.mirrorflow.cli.spec;

import dev.mirrorflow.connector.NameSuggestions;
import com.fasterxml.jackson.core.JsonToken;
import java.util.List;
import java.util.Optional;

/**
 * One mapping of a spec file (the spec itself, a table, the snapshot settings), read key by
 * key. It knows the file and its own key path, so every error it raises names both.
 */
final class SpecMapping {

    private final String file;
    private final String path;
    private final SpecNode.Mapping node;

    SpecMapping(String file, String path, SpecNode.Mapping node) {
        this.file = file;
        this.path = path;
        this.node = node;
    }

    String file() {
        return file;
    }

    /** The full key path of one of this mapping's keys, as messages show it: {@code tables[0].source}. */
    String key(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** Fails on the first key, in the order of the file, that is not one of {@code known}. */
    void rejectUnknownKeys(List<String> known) {
        rejectUnknownKeys(known, known);
    }

    /**
     * Fails on the first key, in the order of the file, that is not one of {@code known}; the
     * message suggests only {@code documented} keys, so that an old form still read is not
     * advertised.
     */
    void rejectUnknownKeys(List<String> known, List<String> documented) {
        for (SpecNode.Entry entry : node.entries().values()) {
            if (!known.contains(entry.key())) {
                String hint = NameSuggestions.closest(entry.key(), documented)
                        .map(k -> "did you mean " + k + "?")
                        .orElse("the keys here are " + String.join(", ", documented));
                throw SpecException.at(file, entry.line(), key(SpecValues.printable(entry.key())), "unknown key; " + hint);
            }
        }
    }

    /** The entry of a key that must be there; {@code hint} says what to add. */
    SpecNode.Entry require(String key, String hint) {
        SpecNode.Entry entry = node.entries().get(key);
        if (entry == null) {
            throw SpecException.at(file, node.line(), key(key), "required key is missing; " + hint);
        }
        return entry;
    }

    Optional<SpecNode.Entry> optional(String key) {
        return Optional.ofNullable(node.entries().get(key));
    }

    /** An error about an entry's value, at the entry's line. */
    SpecException error(SpecNode.Entry entry, String problem) {
        return SpecException.at(file, entry.line(), key(entry.key()), problem);
    }

    /**
     * An error about a value that is not what the key needs: says what was found, unless there
     * was nothing, and then what to write.
     */
    SpecException wrongValue(SpecNode.Entry entry, String expected, String hint) {
        return error(entry, whatIsWrong(entry.value(), expected) + "; " + hint);
    }

    static String whatIsWrong(SpecNode value, String expected) {
        // The YAML parser reads a key with nothing after it as empty text, not as null.
        if (value instanceof SpecNode.Scalar s
                && (s.token() == JsonToken.VALUE_NULL || (s.token() == JsonToken.VALUE_STRING && s.text().isEmpty()))) {
            return "has no value";
        }
        return SpecValues.describe(value) + " is not " + expected;
    }
}
