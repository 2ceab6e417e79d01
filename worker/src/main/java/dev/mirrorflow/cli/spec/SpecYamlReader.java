package dev.mirrorflow.cli.spec;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads the YAML text of a spec into {@link SpecNode}s that remember their lines. It rejects
 * what YAML allows but a spec must not hold: a key written twice, an alias (which Jackson's
 * streaming parser would hand over as the alias's name instead of its value), and more than one
 * document.
 */
final class SpecYamlReader {

    private static final YAMLFactory YAML = YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private static final String SYNTAX_HINT =
            "check the indentation (spaces, not tabs), the colons after keys and the quotes around values";

    /** A double-quoted name joined to another by a dot, as SQL writes {@code "Sales"."Q1"}. */
    private static final Pattern SQL_QUOTED_NAME = Pattern.compile("\"\\s*\\.|\\.\\s*\"");

    private static final String QUOTED_NAME_HINT = "a table name in SQL double quotes must be inside a YAML string: "
            + "write it in single quotes, e.g. source: '\"Sales\".\"Q1\"'";

    private final String file;
    private final String yaml;
    private final YAMLParser parser;

    private SpecYamlReader(String file, String yaml, YAMLParser parser) {
        this.yaml = yaml;
        this.file = file;
        this.parser = parser;
    }

    /** The spec's root mapping; every problem is a {@link SpecException} naming {@code file}. */
    static SpecNode.Mapping read(String yaml, String file) {
        try (YAMLParser parser = (YAMLParser) YAML.createParser(yaml)) {
            SpecYamlReader reader = new SpecYamlReader(file, yaml, parser);
            if (parser.nextToken() == null) {
                throw new SpecException(file + " is empty; write a mirror spec into it (see docs/mirror-spec.md)");
            }
            SpecNode root = reader.readValue();
            if (parser.nextToken() != null) {
                throw new SpecException(file + " line " + line(parser.currentTokenLocation())
                        + ": a second YAML document starts here; keep one mirror spec per file");
            }
            if (!(root instanceof SpecNode.Mapping mapping)) {
                throw new SpecException(file + " line " + root.line() + ": a mirror spec is a mapping of keys (name, source, "
                        + "destination, tables, ...), not " + SpecValues.describe(root) + "; see docs/mirror-spec.md");
            }
            return mapping;
        } catch (JacksonException e) {
            throw syntaxError(file, yaml, e);
        } catch (YAMLException e) {
            // SnakeYAML's own limits (document size, nesting, aliases) surface unwrapped.
            throw syntaxError(file, yaml, e);
        } catch (IOException e) {
            // The text is already in memory; only a broken parser could get here.
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the value at the current token, leaving the parser on its last token. */
    private SpecNode readValue() throws IOException {
        JsonToken token = parser.currentToken();
        int line = line(parser.currentTokenLocation());
        if (parser.isCurrentAlias()) {
            throw new SpecException(file + " line " + line + ": the alias *" + parser.getText()
                    + " is not supported in a mirror spec; write the value out in full");
        }
        return switch (token) {
            case START_OBJECT -> readMapping(line);
            case START_ARRAY -> readSequence(line);
            case VALUE_NUMBER_INT -> new SpecNode.Scalar(line, token, parser.getText(), parser.getBigIntegerValue());
            case VALUE_STRING -> new SpecNode.Scalar(line, token, parser.getText(), null, startsWithDoubleQuote());
            default -> new SpecNode.Scalar(line, token, parser.getText(), null);
        };
    }

    /** Whether the current scalar is written in YAML's double quotes. */
    private boolean startsWithDoubleQuote() {
        long offset = parser.currentTokenLocation().getCharOffset();
        return offset >= 0 && offset < yaml.length() && yaml.charAt((int) offset) == '"';
    }

    private SpecNode.Mapping readMapping(int line) throws IOException {
        Map<String, SpecNode.Entry> entries = new LinkedHashMap<>();
        while (nextKey(entries) == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            int keyLine = line(parser.currentTokenLocation());
            parser.nextToken();
            entries.put(key, new SpecNode.Entry(key, keyLine, readValue()));
        }
        return new SpecNode.Mapping(line, entries);
    }

    /**
     * Moves to the next key of a mapping. The parser's duplicate detection fails on the second
     * spelling of a key; this turns that into a message that names the key and both lines.
     */
    private JsonToken nextKey(Map<String, SpecNode.Entry> entries) throws IOException {
        try {
            return parser.nextToken();
        } catch (StreamReadException e) {
            // A syntax error comes from SnakeYAML; the duplicate check is Jackson's own and
            // leaves the parser on the repeated key's name.
            SpecNode.Entry first = markedCause(e) == null ? entries.get(parser.currentName()) : null;
            if (first == null) {
                throw e;
            }
            throw new SpecException(file + " line " + line(e.getLocation()) + ": " + first.key()
                    + ": the key appears twice in the same mapping (first at line " + first.line() + "); keep one of them");
        }
    }

    private SpecNode.Sequence readSequence(int line) throws IOException {
        List<SpecNode> items = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            items.add(readValue());
        }
        return new SpecNode.Sequence(line, items);
    }

    private static SpecException syntaxError(String file, String yaml, Exception e) {
        MarkedYAMLException marked = markedCause(e);
        if (marked != null && marked.getProblemMark() != null) {
            Mark at = marked.getProblemMark();
            String hint = SYNTAX_HINT;
            if (SQL_QUOTED_NAME.matcher(yaml.lines().skip(at.getLine()).findFirst().orElse("")).find()) {
                // YAML took the SQL name's double quotes as its own; the name must be inside a YAML string.
                hint = QUOTED_NAME_HINT;
            }
            String context = "";
            if (marked.getContext() != null && marked.getContextMark() != null) {
                context = " (" + marked.getContext() + " at line " + (marked.getContextMark().getLine() + 1) + ")";
            }
            return new SpecException(file + " line " + (at.getLine() + 1) + ", column " + (at.getColumn() + 1)
                    + ": not valid YAML: " + marked.getProblem() + context + "; " + hint, e);
        }
        if (e instanceof JacksonException je && je.getLocation() != null && je.getLocation().getLineNr() > 0) {
            String problem = firstLine(je.getOriginalMessage());
            if (problem.startsWith("Expected a field name")) {
                // Jackson's own wording here quotes a parser event; say it in the spec's terms.
                problem = "a key must be a plain name, not a list or a mapping";
            }
            return new SpecException(file + " line " + je.getLocation().getLineNr() + ", column "
                    + je.getLocation().getColumnNr() + ": not valid YAML: " + problem + "; " + SYNTAX_HINT, e);
        }
        String problem = e instanceof JacksonException je ? je.getOriginalMessage() : e.getMessage();
        return new SpecException(file + ": not valid YAML: " + firstLine(problem) + "; " + SYNTAX_HINT, e);
    }

    private static MarkedYAMLException markedCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException m) {
                return m;
            }
        }
        return null;
    }

    private static String firstLine(String message) {
        return message == null ? "unreadable" : message.lines().findFirst().orElse("").strip();
    }

    private static int line(JsonLocation location) {
        return location.getLineNr();
    }
}
