package dev.mirrorflow.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A validated mirror spec: what a user asked to be mirrored, from which peer to which, and how.
 * The CLI reads it from a YAML file, the catalog keeps it as JSON, and the mirror workflow
 * carries parts of it, so it holds only plain values: no credentials (peers are named, never
 * described) and the idle timeout as whole milliseconds, which serialise the same way
 * everywhere.
 *
 * <p>Every instance is valid: the constructors check every rule below. The spec parser checks
 * them first to point at the offending line of the file. Loosening a rule is safe; tightening
 * one would make stored specs and running workflows unreadable.
 *
 * <p>The JSON property names are stored in the catalog and carried in Temporal histories: do
 * not rename them.
 *
 * @param name the mirror's name, 1 to 48 characters: a lowercase letter, then lowercase
 *     letters, digits or underscores ({@link #NAME_FORMAT}). It becomes the workflow id {@code
 *     mirror/<name>} and the replication slot and publication name {@code mirrorflow_<name>}.
 *     Required.
 * @param source the source peer's name ({@link #PEER_NAME_FORMAT}); required
 * @param destination the destination peer's name ({@link #PEER_NAME_FORMAT}), never the source;
 *     required
 * @param tables the tables to mirror, at least one; no source table twice and no two source
 *     tables into one destination table. Required.
 * @param initialLoad whether existing rows are copied before changes stream; default {@value
 *     #DEFAULT_INITIAL_LOAD}
 * @param batchSize the most changes applied in one destination transaction; default {@value
 *     #DEFAULT_BATCH_SIZE}, from {@value #MIN_BATCH_SIZE} to {@value #MAX_BATCH_SIZE}
 * @param idleTimeoutMillis how long a partly filled batch waits for more changes before it is
 *     applied anyway, in milliseconds; default 5 s, from 100 ms to 10 min (see {@link
 *     #DEFAULT_IDLE_TIMEOUT}, {@link #MIN_IDLE_TIMEOUT}, {@link #MAX_IDLE_TIMEOUT})
 * @param snapshot how the initial load is split and parallelised; default {@link
 *     SnapshotSpec#DEFAULTS}
 * @param retry how the mirror's load and stream are retried while the slot is busy or the
 *     source unreachable; default {@link RetrySettings#DEFAULT}
 * @param sourceOptions the settings only one kind of source understands, as the user wrote them
 *     (the PostgreSQL source's slot and publication, see {@link #slot()} and {@link
 *     #publication()}); default {@link SourceOptions#NONE}. Specs stored before the block existed
 *     had {@code slot} and {@code publication} at the top level; {@link #fromStored} still reads
 *     them.
 * @param batchLingerMillis how long the source must have sent nothing before a partly filled
 *     batch is applied at once (when every earlier batch is applied), in milliseconds; default
 *     {@link #DEFAULT_BATCH_LINGER}, from 0 to {@link #MAX_BATCH_LINGER}. A linger at or above the
 *     idle timeout leaves partly filled batches to the idle timeout.
 * @param batchBytes a batch is also applied once its changes hold about this many bytes of
 *     values, so that wide rows (large text, bytea or json values) cannot fill the worker's memory
 *     before {@code batchSize} rows are together; default {@link #DEFAULT_BATCH_BYTES}, from {@link
 *     #MIN_BATCH_BYTES} to {@link #MAX_BATCH_BYTES}. A batch holds at least one change, however
 *     large.
 */
@JsonPropertyOrder({"name", "source", "destination", "tables", "initialLoad", "batchSize", "idleTimeoutMillis", "snapshot",
        "retry", "sourceOptions", "batchLingerMillis", "batchBytes"})
public record MirrorSpec(
        @JsonProperty("name") String name,
        @JsonProperty("source") String source,
        @JsonProperty("destination") String destination,
        @JsonProperty("tables") List<TableSpec> tables,
        @JsonProperty("initialLoad") boolean initialLoad,
        @JsonProperty("batchSize") int batchSize,
        @JsonProperty("idleTimeoutMillis") long idleTimeoutMillis,
        @JsonProperty("snapshot") SnapshotSpec snapshot,
        @JsonProperty("retry") RetrySettings retry,
        @JsonProperty("sourceOptions") SourceOptions sourceOptions,
        @JsonProperty("batchLingerMillis") long batchLingerMillis,
        @JsonProperty("batchBytes") long batchBytes) {

    /** The names mirrorflow allows for a slot or a publication ({@link SourceOptions}). */
    public static final Pattern SOURCE_OBJECT_NAME_FORMAT = SourceOptions.SOURCE_OBJECT_NAME_FORMAT;

    /**
     * A mirror's name. The limit of 48 leaves room for the {@code mirrorflow_} prefix within
     * PostgreSQL's 63-character names of slots and publications; the catalog checks the same.
     */
    public static final Pattern NAME_FORMAT = Pattern.compile("[a-z][a-z0-9_]{0,47}");

    /** A peer's name, as the catalog's {@code peers} table accepts it. */
    public static final Pattern PEER_NAME_FORMAT = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    public static final boolean DEFAULT_INITIAL_LOAD = true;
    public static final int DEFAULT_BATCH_SIZE = 10_000;
    public static final int MIN_BATCH_SIZE = 1;
    public static final int MAX_BATCH_SIZE = 1_000_000;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration MIN_IDLE_TIMEOUT = Duration.ofMillis(100);
    public static final Duration MAX_IDLE_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_BATCH_LINGER = Duration.ofMillis(5);
    public static final Duration MAX_BATCH_LINGER = Duration.ofMinutes(10);
    public static final long DEFAULT_BATCH_BYTES = 32L << 20;
    public static final long MIN_BATCH_BYTES = 64L << 10;
    public static final long MAX_BATCH_BYTES = 1L << 30;

    public MirrorSpec {
        requireFormat("mirror name", name, NAME_FORMAT);
        requireFormat("source peer", source, PEER_NAME_FORMAT);
        requireFormat("destination peer", destination, PEER_NAME_FORMAT);
        if (source.equals(destination)) {
            throw new IllegalArgumentException("mirror " + name + " has peer " + source + " as both source and destination");
        }
        tables = List.copyOf(Objects.requireNonNull(tables, "tables"));
        if (tables.isEmpty()) {
            throw new IllegalArgumentException("mirror " + name + " has no tables");
        }
        Map<String, String> sourceByDestination = new HashMap<>();
        Map<String, TableSpec> bySource = new HashMap<>();
        for (TableSpec table : tables) {
            if (bySource.put(table.source(), table) != null) {
                throw new IllegalArgumentException("mirror " + name + " lists source table " + table.source() + " twice");
            }
            String other = sourceByDestination.put(table.destination(), table.source());
            if (other != null) {
                throw new IllegalArgumentException("mirror " + name + " maps both " + other + " and " + table.source()
                        + " to destination table " + table.destination());
            }
        }
        if (batchSize < MIN_BATCH_SIZE || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("batch size " + batchSize + " is not between " + MIN_BATCH_SIZE + " and " + MAX_BATCH_SIZE);
        }
        if (idleTimeoutMillis < MIN_IDLE_TIMEOUT.toMillis() || idleTimeoutMillis > MAX_IDLE_TIMEOUT.toMillis()) {
            throw new IllegalArgumentException("idle timeout " + idleTimeoutMillis + " ms is not between "
                    + MIN_IDLE_TIMEOUT.toMillis() + " and " + MAX_IDLE_TIMEOUT.toMillis() + " ms");
        }
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(sourceOptions, "sourceOptions");
        if (batchLingerMillis < 0 || batchLingerMillis > MAX_BATCH_LINGER.toMillis()) {
            throw new IllegalArgumentException("batch linger " + batchLingerMillis + " ms is not between 0 and "
                    + MAX_BATCH_LINGER.toMillis() + " ms");
        }
        if (batchBytes < MIN_BATCH_BYTES || batchBytes > MAX_BATCH_BYTES) {
            throw new IllegalArgumentException("batch bytes " + batchBytes + " is not between " + MIN_BATCH_BYTES
                    + " and " + MAX_BATCH_BYTES);
        }
    }

    /** A spec with the default batch linger. */
    public MirrorSpec(String name, String source, String destination, List<TableSpec> tables, boolean initialLoad,
            int batchSize, long idleTimeoutMillis, SnapshotSpec snapshot, RetrySettings retry,
            SourceOptions sourceOptions) {
        this(name, source, destination, tables, initialLoad, batchSize, idleTimeoutMillis, snapshot, retry,
                sourceOptions, DEFAULT_BATCH_LINGER.toMillis());
    }

    /** A spec with the default batch bytes. */
    public MirrorSpec(String name, String source, String destination, List<TableSpec> tables, boolean initialLoad,
            int batchSize, long idleTimeoutMillis, SnapshotSpec snapshot, RetrySettings retry,
            SourceOptions sourceOptions, long batchLingerMillis) {
        this(name, source, destination, tables, initialLoad, batchSize, idleTimeoutMillis, snapshot, retry,
                sourceOptions, batchLingerMillis, DEFAULT_BATCH_BYTES);
    }

    /** The default name of a mirror's slot and publication: {@code mirrorflow_<name>}. */
    public static String defaultSourceObjectName(String mirrorName) {
        return "mirrorflow_" + mirrorName;
    }

    /**
     * The PostgreSQL source's replication slot: {@code sourceOptions.slot}, by default {@code
     * mirrorflow_<name>} ({@link #defaultSourceObjectName}). Created if missing; dropped with the
     * mirror.
     */
    public String slot() {
        return sourceOptions.slot() != null ? sourceOptions.slot() : defaultSourceObjectName(name);
    }

    /**
     * The PostgreSQL source's publication: {@code sourceOptions.publication}, by default {@code
     * mirrorflow_<name>}. Created if missing, and given the mirror's tables if it lacks them;
     * dropped with the mirror only when it has the default name ({@link #hasDefaultPublication}),
     * so that a publication named in the spec, perhaps shared, stays.
     */
    public String publication() {
        return sourceOptions.publication() != null ? sourceOptions.publication() : defaultSourceObjectName(name);
    }

    /** Whether the publication is the mirror's own by name, which drop may remove. */
    public boolean hasDefaultPublication() {
        return publication().equals(defaultSourceObjectName(name));
    }

    /** A spec with every optional setting at its default. */
    public static MirrorSpec withDefaults(String name, String source, String destination, List<TableSpec> tables) {
        return new MirrorSpec(name, source, destination, tables, DEFAULT_INITIAL_LOAD, DEFAULT_BATCH_SIZE,
                DEFAULT_IDLE_TIMEOUT.toMillis(), SnapshotSpec.DEFAULTS, RetrySettings.DEFAULT, SourceOptions.NONE);
    }

    /** How long a partly filled batch waits for more changes before it is applied anyway. */
    public Duration idleTimeout() {
        return Duration.ofMillis(idleTimeoutMillis);
    }

    /** How long a quiet source keeps a partly filled batch open when the destination is idle. */
    public Duration batchLinger() {
        return Duration.ofMillis(batchLingerMillis);
    }

    /** The same spec mirroring {@code tables} instead, e.g. the part of a spec an edit adds. */
    public MirrorSpec withTables(List<TableSpec> tables) {
        return new MirrorSpec(name, source, destination, tables, initialLoad, batchSize, idleTimeoutMillis, snapshot,
                retry, sourceOptions, batchLingerMillis, batchBytes);
    }

    /**
     * Reads the stored form, where a missing optional property takes its default so that specs
     * stored before a property existed still read. Required properties stay required.
     *
     * <p>Specs stored before {@code sourceOptions} existed have {@code slot} and {@code
     * publication} at the top level, always filled in (with the default names if the user gave
     * none); they are read as the same options. A spec that names an option both ways with two
     * different values is refused: which of them the mirror uses cannot be known.
     */
    @JsonCreator
    static MirrorSpec fromStored(
            @JsonProperty("name") String name,
            @JsonProperty("source") String source,
            @JsonProperty("destination") String destination,
            @JsonProperty("tables") List<TableSpec> tables,
            @JsonProperty("initialLoad") Boolean initialLoad,
            @JsonProperty("batchSize") Integer batchSize,
            @JsonProperty("idleTimeoutMillis") Long idleTimeoutMillis,
            @JsonProperty("snapshot") SnapshotSpec snapshot,
            @JsonProperty("retry") RetrySettings retry,
            @JsonProperty("sourceOptions") SourceOptions sourceOptions,
            @JsonProperty(SourceOptions.SLOT) String legacySlot,
            @JsonProperty(SourceOptions.PUBLICATION) String legacyPublication,
            @JsonProperty("batchLingerMillis") Long batchLingerMillis,
            @JsonProperty("batchBytes") Long batchBytes) {
        SourceOptions options = sourceOptions == null ? SourceOptions.NONE : sourceOptions;
        return new MirrorSpec(name, source, destination, tables,
                initialLoad == null ? DEFAULT_INITIAL_LOAD : initialLoad,
                batchSize == null ? DEFAULT_BATCH_SIZE : batchSize,
                idleTimeoutMillis == null ? DEFAULT_IDLE_TIMEOUT.toMillis() : idleTimeoutMillis,
                snapshot == null ? SnapshotSpec.DEFAULTS : snapshot,
                retry == null ? RetrySettings.DEFAULT : retry,
                new SourceOptions(
                        either(name, SourceOptions.SLOT, options.slot(), legacySlot),
                        either(name, SourceOptions.PUBLICATION, options.publication(), legacyPublication)),
                batchLingerMillis == null ? DEFAULT_BATCH_LINGER.toMillis() : batchLingerMillis,
                batchBytes == null ? DEFAULT_BATCH_BYTES : batchBytes);
    }

    /** An option given in the {@code sourceOptions} block, at the top level (the old form), or both alike. */
    private static String either(String mirror, String key, String inBlock, String topLevel) {
        if (inBlock != null && topLevel != null && !inBlock.equals(topLevel)) {
            throw new IllegalArgumentException("mirror " + mirror + " names its " + key + " twice, as " + key + " "
                    + topLevel + " and as sourceOptions." + key + " " + inBlock + "; keep only sourceOptions." + key);
        }
        return inBlock != null ? inBlock : topLevel;
    }

    private static void requireFormat(String what, String value, Pattern format) {
        Objects.requireNonNull(value, what);
        if (!format.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " '" + value + "' does not match " + format.pattern());
        }
    }
}
