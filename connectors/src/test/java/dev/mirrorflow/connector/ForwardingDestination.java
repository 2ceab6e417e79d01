package dev.mirrorflow.connector;

import java.util.List;
import java.util.Optional;

/** A destination that does what another does, for tests to change one call of. */
public class ForwardingDestination implements Destination {

    private final Destination real;

    public ForwardingDestination(Destination real) {
        this.real = real;
    }

    @Override
    public List<SchemaChange> prepare(String mirror, List<TableMapping> mappings, List<TableSchema> sourceSchemas) {
        return real.prepare(mirror, mappings, sourceSchemas);
    }

    @Override
    public Optional<String> checkpoint(String mirror) {
        return real.checkpoint(mirror);
    }

    @Override
    public ApplyResult apply(String mirror, ChangeBatch batch) {
        return real.apply(mirror, batch);
    }

    @Override
    public List<TableId> forget(String mirror, List<TableMapping> mappings, boolean dropTables) {
        return real.forget(mirror, mappings, dropTables);
    }

    @Override
    public void validate(String mirror, List<TableMapping> mappings, Source source) {
        real.validate(mirror, mappings, source);
    }

    @Override
    public void refuseRowsToKeep(String mirror, List<TableMapping> mappings) {
        real.refuseRowsToKeep(mirror, mappings);
    }

    @Override
    public List<TableMapping> withoutSourceTables(List<TableMapping> mappings, Source source) {
        return real.withoutSourceTables(mappings, source);
    }

    @Override
    public void emptyForReload(String mirror, List<TableMapping> mappings) {
        real.emptyForReload(mirror, mappings);
    }

    @Override
    public List<TableId> release(String mirror, List<TableMapping> mappings) {
        return real.release(mirror, mappings);
    }

    @Override
    public void forgetForResync(String mirror, List<TableMapping> mappings) {
        real.forgetForResync(mirror, mappings);
    }

    @Override
    public void prepareLoad(dev.mirrorflow.connector.load.SnapshotLoad load,
            List<dev.mirrorflow.connector.load.TableLoad> tables, boolean keysDisjoint) {
        real.prepareLoad(load, tables, keysDisjoint);
    }

    @Override
    public void finishLoad(dev.mirrorflow.connector.load.SnapshotLoad load,
            List<dev.mirrorflow.connector.load.TableLoad> tables) {
        real.finishLoad(load, tables);
    }

    @Override
    public PartitionWriter openPartitionWriter(dev.mirrorflow.connector.load.SnapshotLoad load) {
        return real.openPartitionWriter(load);
    }

    @Override
    public String location() {
        return real.location();
    }

    /** Leaves the real destination open: it belongs to the test. */
    @Override
    public void close() {}
}
