package dev.mirrorflow.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What a `mirror edit` changes in a running mirror's spec: the tables it adds (loaded before
 * the stream goes on, when the spec loads tables at all), the tables it removes, and the
 * settings the stream and its retries run with. The workflow carries it until it has applied
 * the edit; the edited spec itself waits in the catalog. Table names only, never rows or
 * credentials.
 *
 * <p>{@link #between} is the one place that says which changes an edit may make. Everything
 * else would need another mirror: the peers, the slot and the publication define what the
 * stream reads, and a table's destination and excluded columns what is already loaded.
 *
 * <p>The JSON property names are carried in Temporal histories: do not rename them.
 *
 * @param addedTables source tables the edit adds, in the written form, in spec order
 * @param removedTables source tables the edit removes
 * @param loadAddedTables whether the added tables' existing rows are copied (the spec's
 *     {@code initialLoad})
 * @param batchSize the batch size from the edit on
 * @param idleTimeoutMillis the idle timeout from the edit on
 * @param retry the retry settings from the edit on
 * @param description what changed, as one line for the CLI and the mirror's history
 */
@JsonPropertyOrder({"addedTables", "removedTables", "loadAddedTables", "batchSize", "idleTimeoutMillis", "retry",
        "description"})
public record SpecEdit(
        @JsonProperty("addedTables") List<String> addedTables,
        @JsonProperty("removedTables") List<String> removedTables,
        @JsonProperty("loadAddedTables") boolean loadAddedTables,
        @JsonProperty("batchSize") int batchSize,
        @JsonProperty("idleTimeoutMillis") long idleTimeoutMillis,
        @JsonProperty("retry") RetrySettings retry,
        @JsonProperty("description") String description) {

    public SpecEdit {
        addedTables = List.copyOf(addedTables);
        removedTables = List.copyOf(removedTables);
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(description, "description");
    }

    /** Whether applying the edit copies rows before the stream goes on. */
    public boolean loadsRows() {
        return loadAddedTables && !addedTables.isEmpty();
    }

    /**
     * The edit that turns {@code from} into {@code to}.
     *
     * @return empty description when nothing changes
     * @throws IllegalArgumentException with one line naming the change an edit cannot make and
     *     what to do instead
     */
    public static SpecEdit between(MirrorSpec from, MirrorSpec to) {
        if (!from.name().equals(to.name())) {
            throw new IllegalArgumentException("the spec is of mirror " + to.name() + ", not " + from.name()
                    + "; a mirror cannot be renamed, create a new one instead");
        }
        refuseChange("source peer", from.source(), to.source(),
                "a mirror reads one source; create a new mirror for another");
        refuseChange("destination peer", from.destination(), to.destination(),
                "a mirror writes one destination; create a new mirror for another");
        refuseChange("replication slot", from.slot(), to.slot(),
                "its position is the mirror's progress; leave sourceOptions.slot as it is");
        refuseChange("publication", from.publication(), to.publication(),
                "leave sourceOptions.publication as it is");
        if (from.initialLoad() != to.initialLoad()) {
            throw new IllegalArgumentException("initialLoad cannot change (" + from.initialLoad() + " -> "
                    + to.initialLoad() + "): it says whether tables are loaded, also the ones an edit adds; leave it"
                    + " as it is");
        }
        Map<String, TableSpec> before = from.tables().stream()
                .collect(Collectors.toMap(TableSpec::source, Function.identity()));
        Map<String, TableSpec> after = to.tables().stream()
                .collect(Collectors.toMap(TableSpec::source, Function.identity()));
        List<String> added = new ArrayList<>();
        for (TableSpec table : to.tables()) {
            TableSpec old = before.get(table.source());
            if (old == null) {
                added.add(table.source());
            } else if (!old.destination().equals(table.destination())) {
                throw new IllegalArgumentException("table " + table.source() + " would move from destination "
                        + old.destination() + " to " + table.destination() + "; remove the table in one edit and add it"
                        + " with its new destination in another (it is loaded afresh there), or create a new mirror");
            } else if (!old.exclude().stream().sorted().toList().equals(table.exclude().stream().sorted().toList())) {
                throw new IllegalArgumentException("the excluded columns of table " + table.source() + " would change"
                        + " (" + old.exclude() + " -> " + table.exclude() + "); remove the table in one edit, empty or"
                        + " drop its destination table (no longer the mirror's then), and add it back in another edit"
                        + " (it is loaded afresh)");
            }
        }
        List<String> removed = from.tables().stream().map(TableSpec::source).filter(t -> !after.containsKey(t))
                .toList();

        List<String> changes = new ArrayList<>();
        if (!added.isEmpty()) {
            changes.add("add " + String.join(", ", added) + (to.initialLoad() ? " (loaded first)" : " (not loaded)"));
        }
        if (!removed.isEmpty()) {
            changes.add("remove " + String.join(", ", removed));
        }
        if (from.batchSize() != to.batchSize()) {
            changes.add("batch size " + from.batchSize() + " -> " + to.batchSize());
        }
        if (from.idleTimeoutMillis() != to.idleTimeoutMillis()) {
            changes.add("idle timeout " + millis(from.idleTimeoutMillis()) + " -> " + millis(to.idleTimeoutMillis()));
        }
        if (from.batchLingerMillis() != to.batchLingerMillis()) {
            changes.add("batch linger " + millis(from.batchLingerMillis()) + " -> " + millis(to.batchLingerMillis()));
        }
        if (from.batchBytes() != to.batchBytes()) {
            changes.add("batch bytes " + ByteSize.format(from.batchBytes()) + " -> " + ByteSize.format(to.batchBytes()));
        }
        if (!from.retry().equals(to.retry())) {
            changes.add("retry " + retry(from.retry()) + " -> " + retry(to.retry()));
        }
        if (!from.snapshot().equals(to.snapshot())) {
            changes.add("snapshot " + from.snapshot().rowsPerPartition() + " rows x " + from.snapshot().parallelism()
                    + " -> " + to.snapshot().rowsPerPartition() + " rows x " + to.snapshot().parallelism());
        }
        return new SpecEdit(added, removed, to.initialLoad(), to.batchSize(), to.idleTimeoutMillis(), to.retry(),
                String.join("; ", changes));
    }

    /** Whether the spec stays as it is. */
    @JsonIgnore
    public boolean isEmpty() {
        return description.isEmpty();
    }

    private static void refuseChange(String what, String from, String to, String instead) {
        if (!from.equals(to)) {
            throw new IllegalArgumentException("the " + what + " of a mirror cannot change (" + from + " -> " + to
                    + "): " + instead);
        }
    }

    private static String millis(long millis) {
        Duration d = Duration.ofMillis(millis);
        return d.toMillisPart() == 0 ? d.toSeconds() + "s" : millis + "ms";
    }

    private static String retry(RetrySettings r) {
        return "(" + millis(r.initialIntervalMillis()) + " x" + r.backoffCoefficient() + " up to "
                + millis(r.maximumIntervalMillis()) + ", " + (r.maximumAttempts() == 0 ? "unlimited"
                        : r.maximumAttempts()) + " attempts)";
    }
}
