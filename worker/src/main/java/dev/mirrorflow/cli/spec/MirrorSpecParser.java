package dev.mirrorflow.cli.spec;

import com.fasterxml.jackson.core.JsonToken;
import dev.mirrorflow.cli.DurationConverter;
import dev.mirrorflow.model.ByteSize;
import dev.mirrorflow.model.IdentifierSyntax;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.RetrySettings;
import dev.mirrorflow.model.SnapshotSpec;
import dev.mirrorflow.model.SourceOptions;
import dev.mirrorflow.model.TableSpec;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads mirror spec files (YAML, see {@code docs/mirror-spec.md}) strictly: anything it does
 * not understand is an error, never a silent default, and every error is one {@link
 * SpecException} line that names the file, the line and the key and says what to do. The JSON
 * form the catalog stores is {@link dev.mirrorflow.activities.MirrorSpecJson}'s.
 */
public final class MirrorSpecParser {

    /** The keys of a spec, in the order the documentation lists them. */
    static final List<String> SPEC_KEYS =
            List.of("name", "source", "destination", "tables", "initialLoad", "batchSize", "batchBytes", "idleTimeout",
                    "batchLinger", "snapshot", "retry", "sourceOptions");

    /**
     * The source options at the top level, where specs written before {@code sourceOptions}
     * existed put them: still read, meaning the same as under {@code sourceOptions}.
     */
    static final List<String> OLD_TOP_LEVEL_KEYS = SourceOptions.POSTGRES_KEYS;

    static final List<String> TABLE_KEYS = List.of("source", "destination", "exclude");
    static final List<String> SNAPSHOT_KEYS = List.of("rowsPerPartition", "parallelism");
    static final List<String> RETRY_KEYS = List.of("initialInterval", "backoffCoefficient", "maximumInterval", "maximumAttempts");

    static final Duration MIN_RETRY_INTERVAL = Duration.ofMillis(100);
    static final Duration MAX_RETRY_INITIAL_INTERVAL = Duration.ofHours(1);
    static final Duration MAX_RETRY_MAXIMUM_INTERVAL = Duration.ofDays(1);
    static final double MAX_BACKOFF_COEFFICIENT = 100;
    static final int MAX_ATTEMPTS = 1_000_000;

    /** A spec is a few lines; anything this large is the wrong file, not a spec. */
    static final int MAX_FILE_BYTES = 1 << 20;

    /** How to write a name PostgreSQL would fold or refuse, told with every name refused. */
    private static final String QUOTING_HINT = "and put a name with capitals, spaces or other characters in double "
            + "quotes inside a YAML string, e.g. source: '\"Sales\".\"Q1\"'";

    private static final Pattern DIGITS = Pattern.compile("[+-]?[0-9][0-9_]*");

    /**
     * YAML 1.1 reads {@code 0x10} as 16, {@code 0b10} as 2 and {@code 010} as 8; a spec takes only
     * decimal numbers, with {@code _} between digits, so every number means what it looks like.
     */
    private static final Pattern DECIMAL_WHOLE_NUMBER = Pattern.compile("[+-]?(0|[1-9](_*[0-9])*)");
    private static final Pattern DECIMAL_NUMBER =
            Pattern.compile("[+-]?(0|[1-9](_*[0-9])*|[0-9]*\\.[0-9]+(_*[0-9])*|(0|[1-9](_*[0-9])*)\\.[0-9]*)([eE][+-]?[0-9]+)?");

    private MirrorSpecParser() {}

    /**
     * How the tables of a spec are read, which depends on the kind of source: a PostgreSQL
     * source's tables and columns are SQL identifiers; a MongoDB source's are {@code
     * database.collection} names taken as written (case kept) and field paths ({@code a.b}),
     * its collections going by default to {@code public.<collection>}.
     */
    public enum Reading {
        TABLES,
        DOCUMENTS
    }

    /** Reads and validates a spec file. */
    public static MirrorSpec parse(Path file) {
        return parse(readFile(file), file.toString());
    }

    /** The source peer a spec file names, if it can be read that far. */
    public static Optional<String> sourcePeerOf(Path file) {
        try {
            SpecMapping root = new SpecMapping(file.toString(), "", SpecYamlReader.read(readFile(file), file.toString()));
            return root.optional("source").filter(e -> SpecValues.isText(e.value()))
                    .map(e -> ((SpecNode.Scalar) e.value()).text());
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /** Reads and validates a spec file for a source of that kind. */
    public static MirrorSpec parse(Path file, Reading reading) {
        return parse(readFile(file), file.toString(), reading);
    }

    /**
     * Validates spec text that did not come from a file of its own (standard input, a test);
     * {@code fileName} is what messages call it.
     */
    public static MirrorSpec parse(String yaml, String fileName) {
        return parse(yaml, fileName, Reading.TABLES);
    }

    /** {@link #parse(String, String)} for a source of that kind. */
    public static MirrorSpec parse(String yaml, String fileName, Reading reading) {
        SpecMapping root = new SpecMapping(fileName, "", SpecYamlReader.read(yaml, fileName));
        root.rejectUnknownKeys(Stream.concat(SPEC_KEYS.stream(), OLD_TOP_LEVEL_KEYS.stream()).toList(), SPEC_KEYS);
        SpecNode.Entry nameEntry = root.require("name", "add the mirror's name, e.g. name: orders");
        SpecNode.Entry sourceEntry = root.require("source", "add the source peer's name (mirrorflow peer list shows the peers)");
        SpecNode.Entry destinationEntry =
                root.require("destination", "add the destination peer's name (mirrorflow peer list shows the peers)");
        SpecNode.Entry tablesEntry = root.require("tables", "add the tables to mirror, e.g. tables: [{source: public.orders}]");

        String name = text(root, nameEntry, "a mirror name", "write e.g. name: orders");
        if (!MirrorSpec.NAME_FORMAT.matcher(name).matches()) {
            throw root.error(nameEntry, SpecValues.quote(name) + " is not a valid mirror name; use 1 to 48 lowercase "
                    + "letters, digits or underscores, starting with a letter (it becomes the workflow id mirror/<name>)");
        }
        String source = peer(root, sourceEntry);
        String destination = peer(root, destinationEntry);
        if (source.equals(destination)) {
            throw root.error(destinationEntry, "peer " + SpecValues.quote(destination)
                    + " is also the source; a mirror copies from one peer to another, so name a different destination peer");
        }
        List<TableSpec> tables = tables(root, tablesEntry, reading);
        boolean initialLoad = root.optional("initialLoad").map(e -> bool(root, e)).orElse(MirrorSpec.DEFAULT_INITIAL_LOAD);
        int batchSize = root.optional("batchSize")
                .map(e -> (int) wholeNumber(root, e, MirrorSpec.MIN_BATCH_SIZE, MirrorSpec.MAX_BATCH_SIZE))
                .orElse(MirrorSpec.DEFAULT_BATCH_SIZE);
        long batchBytes = root.optional("batchBytes")
                .map(e -> size(root, e, MirrorSpec.MIN_BATCH_BYTES, MirrorSpec.MAX_BATCH_BYTES))
                .orElse(MirrorSpec.DEFAULT_BATCH_BYTES);
        Duration idleTimeout = root.optional("idleTimeout")
                .map(e -> duration(root, e, MirrorSpec.MIN_IDLE_TIMEOUT, MirrorSpec.MAX_IDLE_TIMEOUT))
                .orElse(MirrorSpec.DEFAULT_IDLE_TIMEOUT);
        Duration batchLinger = root.optional("batchLinger")
                .map(e -> duration(root, e, Duration.ZERO, MirrorSpec.MAX_BATCH_LINGER))
                .orElse(MirrorSpec.DEFAULT_BATCH_LINGER);
        SnapshotSpec snapshot = root.optional("snapshot").map(e -> snapshot(root, e)).orElse(SnapshotSpec.DEFAULTS);
        RetrySettings retry = root.optional("retry").map(e -> retry(root, e)).orElse(RetrySettings.DEFAULT);
        SourceOptions sourceOptions = sourceOptions(root);
        try {
            return new MirrorSpec(name, source, destination, tables, initialLoad, batchSize, idleTimeout.toMillis(), snapshot,
                    retry, sourceOptions, batchLinger.toMillis(), batchBytes);
        } catch (IllegalArgumentException e) {
            // The checks above come first and name the line; this is the record's own guard.
            throw new SpecException(fileName + ": " + e.getMessage() + "; fix the spec", e);
        }
    }

    /** The source table that already goes to a destination table, and the line that says so. */
    private record Claim(String source, int line) {}

    private static String readFile(Path file) {
        String shown = file.toString();
        if (Files.isDirectory(file)) {
            throw new SpecException(shown + " is a directory; give the path of a mirror spec YAML file");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new SpecException("mirror spec " + shown + " does not exist; check the path given with -f", e);
        } catch (AccessDeniedException e) {
            throw new SpecException("cannot read mirror spec " + shown + ": permission denied; check the file's permissions", e);
        } catch (IOException e) {
            // A file system error's message repeats the path; its reason alone does not.
            String reason = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.getMessage();
            throw new SpecException("cannot read mirror spec " + shown + ": " + reason + "; check the path given with -f", e);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new SpecException(shown + " is larger than " + MAX_FILE_BYTES + " bytes, too large for a mirror spec; check the path given with -f");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new SpecException(shown + " is not UTF-8 text; save the mirror spec as UTF-8", e);
        }
    }

    private static String peer(SpecMapping m, SpecNode.Entry entry) {
        String peer = text(m, entry, "a peer name", "write the peer's name (mirrorflow peer list shows the peers)");
        if (!MirrorSpec.PEER_NAME_FORMAT.matcher(peer).matches()) {
            throw m.error(entry, SpecValues.quote(peer) + " is not a peer name; peer names are 1 to 63 lowercase letters, "
                    + "digits or underscores, starting with a letter (mirrorflow peer list shows the peers)");
        }
        return peer;
    }

    private static List<TableSpec> tables(SpecMapping root, SpecNode.Entry entry, Reading reading) {
        if (!(entry.value() instanceof SpecNode.Sequence list)) {
            throw root.wrongValue(entry, "a list of tables", "write one '- source: schema.table' item per table");
        }
        if (list.items().isEmpty()) {
            throw root.error(entry, "the list is empty; list at least one table, e.g. - source: public.orders");
        }
        List<TableSpec> tables = new ArrayList<>();
        Map<String, Integer> lineBySource = new HashMap<>();
        Map<String, Claim> claimedDestinations = new HashMap<>();
        for (int i = 0; i < list.items().size(); i++) {
            SpecNode item = list.items().get(i);
            String path = root.key("tables") + "[" + i + "]";
            if (!(item instanceof SpecNode.Mapping mapping)) {
                throw SpecException.at(root.file(), item.line(), path, SpecMapping.whatIsWrong(item, "a table")
                        + "; write each table as a mapping, e.g. - source: public.orders");
            }
            SpecMapping table = new SpecMapping(root.file(), path, mapping);
            table.rejectUnknownKeys(TABLE_KEYS);
            SpecNode.Entry sourceEntry = table.require("source", "add the source table, e.g. source: public.orders");
            String source = reading == Reading.DOCUMENTS ? collectionName(table, sourceEntry)
                    : tableName(table, sourceEntry);
            SpecNode.Entry destinationEntry = table.optional("destination").orElse(null);
            String destination = destinationEntry != null ? tableName(table, destinationEntry)
                    : reading == Reading.DOCUMENTS ? IdentifierSyntax.written(TableSpec.DEFAULT_SCHEMA,
                            IdentifierSyntax.parseQualified(source).get(1))
                    : source;
            List<String> exclude = table.optional("exclude")
                    .map(e -> reading == Reading.DOCUMENTS ? fieldPaths(table, e) : columns(table, e)).orElse(List.of());

            Integer firstLine = lineBySource.putIfAbsent(source, sourceEntry.line());
            if (firstLine != null) {
                throw table.error(sourceEntry, "table " + source + " is listed twice (first at line " + firstLine
                        + "); list each source table once");
            }
            // A destination left out is the source's name, so the clash is reported at the source.
            SpecNode.Entry destinationAt = destinationEntry == null ? sourceEntry : destinationEntry;
            Claim other = claimedDestinations.putIfAbsent(destination, new Claim(source, destinationAt.line()));
            if (other != null) {
                String also = " is also the destination of " + other.source() + " (line " + other.line()
                        + "); give each source table its own destination";
                throw destinationEntry != null
                        ? table.error(destinationEntry, "table " + destination + also)
                        : table.error(sourceEntry, "its destination " + destination + " (by default the source's name)" + also);
            }
            tables.add(new TableSpec(source, destination, exclude));
        }
        return tables;
    }

    /**
     * A table name as {@code schema.table} in the written form of {@link IdentifierSyntax}; a
     * bare {@code table} is in the default schema, so that two spellings of one table compare
     * equal.
     */
    /**
     * A MongoDB collection, {@code database.collection}, as written (MongoDB's names keep their
     * case), in the spec's stored form for a table id.
     */
    private static String collectionName(SpecMapping m, SpecNode.Entry entry) {
        String written = text(m, entry, "a collection name", "write database.collection, e.g. source: shop.orders");
        int dot = written.indexOf('.');
        if (dot <= 0 || dot == written.length() - 1) {
            throw m.error(entry, SpecValues.quote(written) + " is not a collection name; write database.collection,"
                    + " e.g. source: shop.orders");
        }
        return IdentifierSyntax.written(written.substring(0, dot), written.substring(dot + 1));
    }

    /** Fields of a document to leave out, as dotted paths ({@code card.number}). */
    private static List<String> fieldPaths(SpecMapping m, SpecNode.Entry entry) {
        String hint = "write the fields as a list, e.g. exclude: [password, card.number]";
        if (!(entry.value() instanceof SpecNode.Sequence list)) {
            throw m.wrongValue(entry, "a list of fields", hint);
        }
        Set<String> paths = new LinkedHashSet<>();
        for (SpecNode item : list.items()) {
            String where = m.key(entry.key());
            if (!SpecValues.isText(item)) {
                throw SpecException.at(m.file(), item.line(), where, SpecMapping.whatIsWrong(item, "a field") + "; " + hint);
            }
            String path = ((SpecNode.Scalar) item).text();
            if (path.isEmpty() || path.startsWith(".") || path.endsWith(".") || path.contains("..")
                    || path.equals("_id") || path.startsWith("_id.")) {
                throw SpecException.at(m.file(), item.line(), where, SpecValues.quote(path) + " is not a field path"
                        + " to exclude (the key _id always stays); " + hint);
            }
            if (!paths.add(path)) {
                throw SpecException.at(m.file(), item.line(), where, "field " + path + " is listed twice; list it once");
            }
        }
        return List.copyOf(paths);
    }

    private static String tableName(SpecMapping m, SpecNode.Entry entry) {
        String written = text(m, entry, "a table name", "write table or schema.table, " + QUOTING_HINT);
        List<String> parts;
        try {
            parts = IdentifierSyntax.parseQualified(written);
        } catch (IdentifierSyntax.InvalidIdentifierException e) {
            throw m.error(entry, SpecValues.quote(written) + " is not a table name: " + e.getMessage()
                    + "; write table or schema.table, " + QUOTING_HINT);
        }
        if (foldedInsideYamlQuotes((SpecNode.Scalar) entry.value())) {
            String exact = parts.size() == 1 ? parts.get(0) : parts.get(1);
            throw m.error(entry, SpecValues.quote(written) + " is in YAML's double quotes, which are not SQL's, so it would "
                    + "name " + IdentifierSyntax.written(parts.size() == 1 ? TableSpec.DEFAULT_SCHEMA : parts.get(0), exact)
                    + " in lower case; put SQL's double quotes inside single quotes for the exact name, e.g. "
                    + entry.key() + ": '\"" + written.replace(".", "\".\"") + "\"'");
        }
        return parts.size() == 1
                ? IdentifierSyntax.written(TableSpec.DEFAULT_SCHEMA, parts.get(0))
                : IdentifierSyntax.written(parts.get(0), parts.get(1));
    }

    /**
     * Whether a name in YAML's double quotes has capitals that PostgreSQL folds: the writer most
     * likely meant SQL's quotes, and the folded name may be another table.
     */
    private static boolean foldedInsideYamlQuotes(SpecNode.Scalar scalar) {
        return scalar.doubleQuoted() && scalar.text().indexOf('"') < 0
                && scalar.text().chars().anyMatch(c -> c >= 'A' && c <= 'Z');
    }

    /** Exact column names, written in PostgreSQL's identifier syntax. */
    private static List<String> columns(SpecMapping m, SpecNode.Entry entry) {
        String hint = "write the column names as a list, e.g. exclude: [email, '\"Qty Value\"']";
        if (!(entry.value() instanceof SpecNode.Sequence list)) {
            throw m.wrongValue(entry, "a list of columns", hint);
        }
        Set<String> columns = new LinkedHashSet<>();
        for (SpecNode item : list.items()) {
            String where = m.key(entry.key());
            if (!SpecValues.isText(item)) {
                throw SpecException.at(m.file(), item.line(), where, SpecMapping.whatIsWrong(item, "a column name") + "; " + hint);
            }
            String written = ((SpecNode.Scalar) item).text();
            String column;
            try {
                column = IdentifierSyntax.parseSingle(written);
            } catch (IdentifierSyntax.InvalidIdentifierException e) {
                throw SpecException.at(m.file(), item.line(), where, SpecValues.quote(written) + " is not a column name: "
                        + e.getMessage() + "; put a name with capitals, spaces or other characters in double quotes "
                        + "inside a YAML string, e.g. exclude: ['\"Qty Value\"']");
            }
            if (foldedInsideYamlQuotes((SpecNode.Scalar) item)) {
                throw SpecException.at(m.file(), item.line(), where, SpecValues.quote(written) + " is in YAML's double quotes, "
                        + "which are not SQL's, so it would name the column " + column + "; put SQL's double quotes inside "
                        + "single quotes for the exact name, e.g. exclude: ['\"" + written + "\"']");
            }
            if (!columns.add(column)) {
                throw SpecException.at(m.file(), item.line(), where, "column " + SpecValues.quote(written)
                        + " is listed twice; list each excluded column once");
            }
        }
        return List.copyOf(columns);
    }

    private static SnapshotSpec snapshot(SpecMapping root, SpecNode.Entry entry) {
        if (!(entry.value() instanceof SpecNode.Mapping mapping)) {
            throw root.wrongValue(entry, "a mapping", "write rowsPerPartition and parallelism indented under snapshot:");
        }
        SpecMapping snapshot = new SpecMapping(root.file(), root.key(entry.key()), mapping);
        snapshot.rejectUnknownKeys(SNAPSHOT_KEYS);
        long rowsPerPartition = snapshot.optional("rowsPerPartition")
                .map(e -> wholeNumber(snapshot, e, SnapshotSpec.MIN_ROWS_PER_PARTITION, SnapshotSpec.MAX_ROWS_PER_PARTITION))
                .orElse(SnapshotSpec.DEFAULT_ROWS_PER_PARTITION);
        int parallelism = snapshot.optional("parallelism")
                .map(e -> (int) wholeNumber(snapshot, e, SnapshotSpec.MIN_PARALLELISM, SnapshotSpec.MAX_PARALLELISM))
                .orElse(SnapshotSpec.DEFAULT_PARALLELISM);
        return new SnapshotSpec(rowsPerPartition, parallelism);
    }

    /**
     * The {@code sourceOptions} block, and the same options at the top level where specs written
     * before the block existed put them. An option given both ways is refused at its top-level
     * line, whatever the values: a reader of the file could not tell which one counts.
     */
    private static SourceOptions sourceOptions(SpecMapping root) {
        Optional<SpecNode.Entry> blockEntry = root.optional("sourceOptions");
        Optional<SpecMapping> block = blockEntry.map(entry -> {
            if (!(entry.value() instanceof SpecNode.Mapping mapping)) {
                throw root.wrongValue(entry, "a mapping", "write the source's options indented under sourceOptions:,"
                        + " e.g. slot: orders_slot");
            }
            SpecMapping options = new SpecMapping(root.file(), root.key(entry.key()), mapping);
            options.rejectUnknownKeys(SourceOptions.KEYS);
            return options;
        });
        for (String key : OLD_TOP_LEVEL_KEYS) {
            Optional<SpecNode.Entry> inBlock = block.flatMap(b -> b.optional(key));
            root.optional(key).filter(topLevel -> inBlock.isPresent()).ifPresent(topLevel -> {
                throw root.error(topLevel, "is also given under sourceOptions (line " + inBlock.get().line()
                        + "); remove this top-level " + key + ":, the old form of sourceOptions." + key);
            });
        }
        return new SourceOptions(
                sourceOption(root, block, SourceOptions.SLOT, "replication slot"),
                sourceOption(root, block, SourceOptions.PUBLICATION, "publication"));
    }

    /** One source option's value, from the block or the top level; {@code null} when not given. */
    private static String sourceOption(SpecMapping root, Optional<SpecMapping> block, String key, String what) {
        Optional<SpecNode.Entry> inBlock = block.flatMap(b -> b.optional(key));
        if (inBlock.isPresent()) {
            return sourceObjectName(block.get(), inBlock.get(), what);
        }
        Optional<SpecNode.Entry> topLevel = OLD_TOP_LEVEL_KEYS.contains(key) ? root.optional(key) : Optional.empty();
        return topLevel.map(e -> sourceObjectName(root, e, what)).orElse(null);
    }

    private static String sourceObjectName(SpecMapping m, SpecNode.Entry entry, String what) {
        String hint = "write 1 to 63 lowercase letters, digits or underscores";
        String written = text(m, entry, "a " + what + " name", hint);
        if (!MirrorSpec.SOURCE_OBJECT_NAME_FORMAT.matcher(written).matches()) {
            throw m.error(entry, SpecValues.quote(written) + " is not a " + what + " name mirrorflow can use; " + hint);
        }
        return written;
    }

    private static RetrySettings retry(SpecMapping root, SpecNode.Entry entry) {
        if (!(entry.value() instanceof SpecNode.Mapping mapping)) {
            throw root.wrongValue(entry, "a mapping", "write initialInterval, backoffCoefficient, maximumInterval and "
                    + "maximumAttempts indented under retry:");
        }
        SpecMapping retry = new SpecMapping(root.file(), root.key(entry.key()), mapping);
        retry.rejectUnknownKeys(RETRY_KEYS);
        RetrySettings defaults = RetrySettings.DEFAULT;
        Duration initial = retry.optional("initialInterval")
                .map(e -> duration(retry, e, MIN_RETRY_INTERVAL, MAX_RETRY_INITIAL_INTERVAL))
                .orElse(Duration.ofMillis(defaults.initialIntervalMillis()));
        double coefficient = retry.optional("backoffCoefficient")
                .map(e -> number(retry, e, 1, MAX_BACKOFF_COEFFICIENT))
                .orElse(defaults.backoffCoefficient());
        Optional<SpecNode.Entry> maximumEntry = retry.optional("maximumInterval");
        Duration maximum = maximumEntry
                .map(e -> duration(retry, e, MIN_RETRY_INTERVAL, MAX_RETRY_MAXIMUM_INTERVAL))
                .orElse(Duration.ofMillis(Math.max(defaults.maximumIntervalMillis(), initial.toMillis())));
        if (maximum.compareTo(initial) < 0) {
            throw retry.error(maximumEntry.orElseThrow(), DurationConverter.format(maximum) + " is shorter than"
                    + " initialInterval (" + DurationConverter.format(initial) + "); make it at least as long");
        }
        int attempts = retry.optional("maximumAttempts")
                .map(e -> (int) wholeNumber(retry, e, 0, MAX_ATTEMPTS))
                .orElse(defaults.maximumAttempts());
        return new RetrySettings(initial.toMillis(), coefficient, maximum.toMillis(), attempts);
    }

    private static double number(SpecMapping m, SpecNode.Entry entry, double min, double max) {
        String range = "write a number from " + SpecValues.plain(min) + " to " + SpecValues.plain(max);
        if (!(entry.value() instanceof SpecNode.Scalar s)
                || (s.token() != JsonToken.VALUE_NUMBER_INT && s.token() != JsonToken.VALUE_NUMBER_FLOAT)) {
            throw m.wrongValue(entry, "a number", range);
        }
        if (!DECIMAL_NUMBER.matcher(s.text()).matches()) {
            throw notDecimal(m, entry, s, range);
        }
        double value;
        try {
            value = new BigDecimal(s.text().replace("_", "")).doubleValue();
        } catch (NumberFormatException e) {
            throw m.wrongValue(entry, "a number", range);
        }
        if (!(value >= min && value <= max)) {
            throw m.error(entry, s.text() + " is out of range; " + range);
        }
        return value;
    }

    private static String text(SpecMapping m, SpecNode.Entry entry, String expected, String hint) {
        if (!SpecValues.isText(entry.value()) || ((SpecNode.Scalar) entry.value()).text().isEmpty()) {
            throw m.wrongValue(entry, expected, hint);
        }
        return ((SpecNode.Scalar) entry.value()).text();
    }

    private static boolean bool(SpecMapping m, SpecNode.Entry entry) {
        if (entry.value() instanceof SpecNode.Scalar s
                && (s.token() == JsonToken.VALUE_TRUE || s.token() == JsonToken.VALUE_FALSE)) {
            return s.token() == JsonToken.VALUE_TRUE;
        }
        throw m.wrongValue(entry, "true or false", "write true or false");
    }

    private static long wholeNumber(SpecMapping m, SpecNode.Entry entry, long min, long max) {
        String range = "write a whole number from " + min + " to " + max;
        if (!(entry.value() instanceof SpecNode.Scalar s) || s.token() != JsonToken.VALUE_NUMBER_INT) {
            boolean quotedNumber = SpecValues.isText(entry.value())
                    && DIGITS.matcher(((SpecNode.Scalar) entry.value()).text()).matches();
            throw m.wrongValue(entry, "a whole number", quotedNumber ? range + ", without quotes" : range);
        }
        if (!DECIMAL_WHOLE_NUMBER.matcher(s.text()).matches()) {
            throw notDecimal(m, entry, s, range);
        }
        BigInteger value = s.integer();
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            throw m.error(entry, value + " is out of range; " + range);
        }
        return value.longValueExact();
    }

    private static SpecException notDecimal(SpecMapping m, SpecNode.Entry entry, SpecNode.Scalar s, String range) {
        return m.error(entry, SpecValues.quote(s.text()) + " is not a decimal number; " + range
                + " in decimal digits (grouped with _ if you like, e.g. 10_000)");
    }

    private static long size(SpecMapping m, SpecNode.Entry entry, long min, long max) {
        String range = "from " + ByteSize.format(min) + " to " + ByteSize.format(max);
        if (!(entry.value() instanceof SpecNode.Scalar s) || s.token() == JsonToken.VALUE_NULL) {
            throw m.wrongValue(entry, "a size", "write e.g. 512kB, 32MB or 1GB, " + range);
        }
        if (s.token() == JsonToken.VALUE_NUMBER_INT || s.token() == JsonToken.VALUE_NUMBER_FLOAT) {
            throw m.error(entry, SpecValues.quote(s.text()) + " has no unit; write e.g. " + s.text() + "MB or "
                    + s.text() + "kB, " + range);
        }
        long bytes;
        try {
            bytes = ByteSize.parse(s.text());
        } catch (IllegalArgumentException e) {
            throw m.error(entry, SpecValues.quote(s.text()) + " is not a size; write e.g. 512kB, 32MB or 1GB, " + range);
        }
        if (bytes < min || bytes > max) {
            throw m.error(entry, s.text() + " is out of range; write a size " + range);
        }
        return bytes;
    }

    private static Duration duration(SpecMapping m, SpecNode.Entry entry, Duration min, Duration max) {
        String range = "from " + DurationConverter.format(min) + " to " + DurationConverter.format(max);
        if (!(entry.value() instanceof SpecNode.Scalar s) || s.token() == JsonToken.VALUE_NULL) {
            throw m.wrongValue(entry, "a duration", "write e.g. 500ms, 5s, 2m or 1h, " + range);
        }
        if (s.token() == JsonToken.VALUE_NUMBER_INT || s.token() == JsonToken.VALUE_NUMBER_FLOAT) {
            throw m.error(entry, SpecValues.quote(s.text()) + " has no unit; write e.g. " + s.text() + "s or " + s.text()
                    + "ms, " + range);
        }
        Duration d;
        try {
            d = DurationConverter.parse(s.text());
        } catch (RuntimeException e) {
            // The converter's own message lacks the allowed range, and numbers too large for a
            // Duration fail inside it with an arithmetic error; one message covers both.
            throw m.error(entry, SpecValues.quote(s.text()) + " is not a duration; write e.g. 500ms, 5s, 2m or 1h, " + range);
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw m.error(entry, s.text() + " is out of range; write a duration " + range);
        }
        return d;
    }
}
