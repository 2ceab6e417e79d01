package dev.mirrorflow.connector.postgres.stream;

import dev.mirrorflow.catalog.SourcePartition;
import dev.mirrorflow.catalog.SourcePartitionRepository;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.postgres.slot.Lsn;
import dev.mirrorflow.connector.postgres.setup.PartitionTree;
import dev.mirrorflow.connector.postgres.SourceConfigurationException;
import dev.mirrorflow.connector.postgres.stream.ChangeStreamSettings;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks now and then, while a mirror streams, the partitions of the partitioned tables it
 * follows against what the catalog records of them. Published via the partition root, a
 * partition's TRUNCATE sends nothing down the change stream, and neither does an ATTACH of a
 * table holding rows, a DETACH or a DROP of a partition, though each changes the rows of the
 * partitioned table: without this check the destination would silently differ from the source.
 * Each of them fails the mirror with one line that says what happened and to resync. A
 * partition created or attached empty is recorded, and its changes stream.
 */
public final class PartitionTreeWatch {

    private static final Logger log = LoggerFactory.getLogger(PartitionTreeWatch.class);

    /** A partitioned table the mirror follows: its spec name and its relation OID. */
    public record Watched(TableId table, long relationOid) {}

    /** What the watch needs to know of the change stream. */
    public interface StreamProgress {
        /** The position up to which the destination has everything. */
        Lsn confirmedPosition();

        /** Whether the stream has seen the transaction truncate the table. */
        boolean truncated(long xid, long relationOid);
    }

    private final String mirror;
    private final long mirrorId;
    private final SourcePartitionRepository recorded;
    private final CheckConnection source;
    private final List<Watched> tables;
    private final StreamProgress stream;
    private final long intervalNanos;
    private long lastCheckNanos;
    private boolean checkFailing;
    /**
     * Partitions with new storage that no truncate of their table seen by the stream explains
     * yet, by OID and storage, with the source position noted when they were first seen: once
     * the stream has passed that position, a truncate of the table that gave them their storage
     * would have been seen.
     */
    private final Map<String, Lsn> unexplained = new HashMap<>();

    public PartitionTreeWatch(String mirror, long mirrorId, SourcePartitionRepository recorded,
            CheckConnection source, List<Watched> tables, StreamProgress stream, Duration interval) {
        this.mirror = mirror;
        this.mirrorId = mirrorId;
        this.recorded = recorded;
        this.source = source;
        this.tables = List.copyOf(tables);
        this.stream = stream;
        this.intervalNanos = interval.toNanos();
        // The first check is due at once: partitions may have changed while the mirror was stopped.
        this.lastCheckNanos = System.nanoTime() - intervalNanos;
    }

    /** Checks when the interval has passed since the last check. */
    public void checkIfDue() {
        long now = System.nanoTime();
        if (now - lastCheckNanos < intervalNanos || tables.isEmpty()) {
            return;
        }
        check();
    }

    /**
     * Checks now (after a batch that truncated a table, say, so that the new storage it gave the
     * partitions is recorded while the truncate is fresh).
     */
    public void check() {
        if (tables.isEmpty()) {
            return;
        }
        lastCheckNanos = System.nanoTime();
        try {
            source.run(c -> {
                PartitionTree trees = new PartitionTree(c);
                for (Watched table : tables) {
                    check(c, trees, table);
                }
                return null;
            });
            checkFailing = false;
        } catch (SQLException e) {
            // The stream itself notices an unreachable source; this check tries again next time.
            // A check that keeps failing for another reason must not go unseen: it says so once.
            if (!checkFailing) {
                log.warn("mirror {}: could not check the partitions of its source tables (tried again every {} s): {}",
                        mirror, intervalNanos / 1_000_000_000L, e.getMessage());
            }
            checkFailing = true;
        }
    }

    private void check(Connection c, PartitionTree trees, Watched table) throws SQLException {
        List<PartitionTree.Member> now = trees.read(table.relationOid());
        if (now.isEmpty()) {
            // The table is gone, which SourceTableWatch reports.
            return;
        }
        TableId tableName = now.get(0).name();
        Map<Long, SourcePartition> known = new HashMap<>();
        recorded.list(mirrorId, table.table().toString()).forEach(p -> known.put(p.relationOid(), p));
        Map<Long, PartitionTree.Member> current = new HashMap<>();
        now.forEach(m -> current.put(m.relationOid(), m));

        for (SourcePartition gone : known.values()) {
            if (gone.isTable() || current.containsKey(gone.relationOid())) {
                continue;
            }
            fail(trees.nameOf(gone.relationOid())
                    .map(name -> "partition " + name + " was detached from source table " + tableName
                            + ", so its rows left the table at the source without a change the stream carries, and"
                            + " the destination keeps them")
                    .orElse("partition " + gone.relationName() + " of source table " + tableName
                            + " was dropped at the source, so its rows left the table without a change the stream"
                            + " carries, and the destination keeps them"));
        }
        for (PartitionTree.Member partition : now) {
            if (!partition.leaf()) {
                continue;
            }
            SourcePartition was = known.get(partition.relationOid());
            if (was == null) {
                if (trees.holdsRowsFromBeforeJoining(now.get(0), partition)) {
                    fail("table " + partition.name() + " was attached as a partition of source table " + tableName
                            + " with rows in it, which no change the stream carries brings to the destination");
                }
                recorded.record(mirrorId, recordOf(table, partition));
                log.info("mirror {}: new partition {} of source table {} recorded; its changes stream with the"
                        + " table's", mirror, partition.name(), tableName);
            } else if (!Objects.equals(partition.joinedBy(), was.joinedBy())) {
                fail("partition " + partition.name() + " was detached from source table " + tableName
                        + " and attached again, and what was done to its rows in between reached no change stream");
            } else if (partition.relfilenode() != was.relfilenode()) {
                storageChanged(c, table, tableName, partition);
            }
        }
    }

    /**
     * A partition with new storage: a TRUNCATE of its table, which the stream carries (and which
     * truncates every partition in its transaction), or else the partition's own TRUNCATE, which
     * it does not. Until the stream has passed the point where the change was seen, the table's
     * truncate may just not have arrived yet.
     */
    private void storageChanged(Connection c, Watched table, TableId tableName, PartitionTree.Member partition)
            throws SQLException {
        // The stream carries a TRUNCATE of the partitioned table only, never of a partition.
        if (stream.truncated(partition.storageChangedBy(), table.relationOid())) {
            recorded.record(mirrorId, recordOf(table, partition));
            unexplained.remove(partition.relationOid() + "/" + partition.relfilenode());
            return;
        }
        String key = partition.relationOid() + "/" + partition.relfilenode();
        Lsn seenAt = unexplained.get(key);
        if (seenAt == null) {
            // A message of our own marks the point, and makes an idle stream move past it soon.
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_logical_emit_message(false, '"
                    + ChangeStreamSettings.HEARTBEAT_PREFIX + "', '')::text")) {
                rs.next();
                unexplained.put(key, Lsn.valueOf(rs.getString(1)));
            }
            return;
        }
        if (stream.confirmedPosition().compareTo(seenAt) >= 0) {
            fail("partition " + partition.name() + " of source table " + tableName + " was truncated or rewritten at"
                    + " the source (a TRUNCATE of one partition sends no change down the stream; VACUUM FULL, CLUSTER"
                    + " and an ALTER TABLE that rewrites it look the same), so the destination may keep rows the"
                    + " source no longer has");
        }
    }

    private static SourcePartition recordOf(Watched table, PartitionTree.Member m) {
        return new SourcePartition(table.table().toString(), m.relationOid(), m.name().toString(), m.relfilenode(),
                m.joinedBy());
    }

    private void fail(String what) {
        throw new SourceConfigurationException(SourceConfigurationException.Problem.PARTITIONS_CHANGED,
                "mirror " + mirror + ": " + what + "; run mirrorflow mirror resync " + mirror, null);
    }
}
