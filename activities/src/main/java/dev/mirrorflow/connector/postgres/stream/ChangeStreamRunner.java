package dev.mirrorflow.connector.postgres.stream;

import dev.mirrorflow.connector.Change;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.Destination;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The change-stream loop of one mirror: pull a batch, apply it to the destination in one
 * transaction with its position, then acknowledge it to the source; repeat until asked to stop,
 * which it honours between batches. A column added at the source reaches the destination before
 * the first row that has it.
 */
public final class ChangeStreamRunner {

    /** Told about every applied batch, after the acknowledgement. */
    public interface BatchListener {
        void onBatch(ChangeBatch batch, Destination.ApplyResult result, Instant started, Instant ended);
    }

    /** What a run did before it stopped. */
    public record Result(long batches, long rows, String lastPosition) {}

    private final String mirror;
    private final List<TableMapping> mappings;
    private final Map<TableId, TableSchema> knownSchemas;

    /**
     * @param schemas the source schemas the destination was prepared with
     */
    public ChangeStreamRunner(String mirror, List<TableMapping> mappings, Map<TableId, TableSchema> schemas) {
        this.mirror = mirror;
        this.mappings = List.copyOf(mappings);
        this.knownSchemas = new HashMap<>(schemas);
    }

    public Result run(PostgresChangeStream stream, Destination destination, BooleanSupplier stop, Runnable tick,
            BatchListener listener) throws SQLException, InterruptedException {
        long batches = 0;
        long rows = 0;
        String lastPosition = stream.confirmedPosition().toString();
        while (!stop.getAsBoolean()) {
            Optional<ChangeBatch> next = stream.nextBatch(stop, tick);
            if (next.isEmpty()) {
                break;
            }
            ChangeBatch batch = next.get();
            Instant started = Instant.now();
            evolveSchemas(destination, batch);
            Destination.ApplyResult result = destination.apply(mirror, batch);
            // Only now, with the batch and its position committed at the destination, may the
            // source forget it.
            stream.acknowledge(batch);
            listener.onBatch(batch, result, started, Instant.now());
            batches++;
            rows += result.rowsApplied();
            lastPosition = batch.position();
        }
        return new Result(batches, rows, lastPosition);
    }

    private void evolveSchemas(Destination destination, ChangeBatch batch) {
        Map<TableId, TableSchema> changed = new LinkedHashMap<>();
        for (Change change : batch.changes()) {
            if (change instanceof Change.Row row) {
                TableSchema schema = row.schema();
                TableSchema known = knownSchemas.get(schema.id());
                if (known == null || !sameColumns(known, schema)) {
                    changed.put(schema.id(), known == null ? schema : withKnownKeyOrder(known, schema));
                }
            }
        }
        if (changed.isEmpty()) {
            return;
        }
        destination.prepare(mirror, mappings, new ArrayList<>(changed.values()));
        knownSchemas.putAll(changed);
    }

    /**
     * The replication stream numbers key columns in column order, the source's primary key may
     * order them otherwise; columns the mirror already knows keep the known key position and
     * nullability, so that only the real change (a new column) reaches the destination.
     */
    private static TableSchema withKnownKeyOrder(TableSchema known, TableSchema streamed) {
        List<ColumnSchema> columns = new ArrayList<>();
        for (ColumnSchema c : streamed.columns()) {
            int i = known.indexOf(c.name());
            columns.add(i < 0 ? c : new ColumnSchema(c.name(), c.type(), known.columns().get(i).nullable(),
                    known.columns().get(i).keyPosition(), c.enumLabels()));
        }
        return new TableSchema(streamed.id(), columns);
    }

    /** Column names and types decide; nullability is not carried by the replication stream. */
    private static boolean sameColumns(TableSchema a, TableSchema b) {
        if (a.columns().size() != b.columns().size()) {
            return false;
        }
        for (int i = 0; i < a.columns().size(); i++) {
            var x = a.columns().get(i);
            var y = b.columns().get(i);
            if (!x.name().equals(y.name()) || !x.type().equals(y.type())) {
                return false;
            }
        }
        return true;
    }
}
