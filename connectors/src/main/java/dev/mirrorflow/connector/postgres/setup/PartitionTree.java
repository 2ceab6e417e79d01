package dev.mirrorflow.connector.postgres.setup;

import dev.mirrorflow.connector.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads a partitioned source table's partitions as the source's catalog has them now. A change
 * stream that publishes via the partition root carries the rows written through the table, but
 * not a partition's TRUNCATE, nor the rows that an ATTACH, DETACH or DROP of a partition adds
 * to or takes from the table: what this reads is what tells those apart.
 */
public final class PartitionTree {

    /**
     * The partitioned table itself or one of its leaf partitions.
     *
     * @param level how many links lie between it and the partitioned table (0 for the table)
     * @param relfilenode the relation's storage (0 for the partitioned table), which a TRUNCATE
     *     replaces, and so do VACUUM FULL, CLUSTER and an ALTER TABLE that rewrites it
     * @param storageChangedBy the transaction that last changed the relation's catalog row, as
     *     PostgreSQL's xid: the TRUNCATE (or rewrite) that gave it its storage, if that was the last
     * @param joinedBy the transaction and command that last linked the partition into the table
     *     (the youngest pg_inherits row on its path to it), as {@code xid:cid}; null for the
     *     partitioned table itself. A DETACH and an ATTACH replace it, even in one transaction
     */
    public record Member(long relationOid, TableId name, boolean leaf, int level, long relfilenode,
            long storageChangedBy, String joinedBy) {}

    // The youngest link on a partition's path to the partitioned table: pg_partition_ancestors
    // lists the partition, then its parents up to the table and beyond; the first as many as
    // the partition's level in the table's tree are the ones linked below the table.
    private static final String YOUNGEST_LINK = """
            SELECT i.xmin AS xid, i.cmin::text::bigint AS cid
              FROM pg_partition_ancestors(%1$s) WITH ORDINALITY a(relid, n)
              JOIN pg_inherits i ON i.inhrelid = a.relid
             WHERE a.n <= %2$s
             ORDER BY age(i.xmin), i.cmin::text::bigint DESC
             LIMIT 1""";

    private static final String READ = """
            WITH root AS (SELECT ?::oid::regclass AS relid)
            SELECT c.oid, n.nspname, c.relname, t.isleaf, t.level, c.relfilenode::bigint, c.xmin::text::bigint,
                   (SELECT j.xid::text || ':' || j.cid FROM (%s) j)
              FROM root, pg_partition_tree(root.relid) t
              JOIN pg_class c ON c.oid = t.relid
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE t.isleaf OR t.level = 0
             ORDER BY t.level, c.oid""".formatted(YOUNGEST_LINK.formatted("t.relid", "t.level"));

    private final Connection connection;

    public PartitionTree(Connection connection) {
        this.connection = connection;
    }

    /**
     * The partitioned table with this OID (first) and its leaf partitions; empty when the OID is
     * not a partitioned table (a plain table, or one that no longer exists).
     */
    public List<Member> read(long tableOid) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT relkind = 'p' FROM pg_class WHERE oid = ?::oid")) {
            ps.setLong(1, tableOid);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    return List.of();
                }
            }
        }
        List<Member> members = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(READ)) {
            ps.setLong(1, tableOid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long oid = rs.getLong(1);
                    members.add(new Member(oid, new TableId(rs.getString(2), rs.getString(3)),
                            oid != tableOid && rs.getBoolean(4), rs.getInt(5), rs.getLong(6), rs.getLong(7),
                            oid == tableOid ? null : rs.getString(8)));
                }
            }
        }
        return members;
    }

    /** The relation's name now, if it still exists (a partition detached from the table does). */
    public Optional<TableId> nameOf(long relationOid) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT n.nspname, c.relname FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ?::oid")) {
            ps.setLong(1, relationOid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new TableId(rs.getString(1), rs.getString(2))) : Optional.empty();
            }
        }
    }

    /**
     * Whether a leaf partition holds rows written before it was linked into the table: rows of a
     * table attached with rows in it, which no change carries. A row written by a later
     * transaction, or later in the linking transaction, was written through the table and
     * streamed. (Rows written in a subtransaction before the link, in the linking transaction,
     * look later; that is the one case this cannot tell.) The rows are read through the table,
     * which is what the mirror may read (a partition has privileges of its own), narrowed to the
     * partition by its partition constraint so that only it is scanned.
     *
     * @param table the partitioned table, as {@link #read} gives it first
     */
    public boolean holdsRowsFromBeforeJoining(Member table, Member partition) throws SQLException {
        String constraint;
        try (PreparedStatement ps = connection.prepareStatement("SELECT pg_get_partition_constraintdef(?::oid)")) {
            ps.setLong(1, partition.relationOid());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                // A default partition that is the only one has no constraint.
                constraint = rs.getString(1) == null ? "true" : rs.getString(1);
            }
        }
        String sql = "WITH link AS (" + YOUNGEST_LINK.formatted("?::oid::regclass", "?") + ")"
                + " SELECT EXISTS (SELECT FROM " + table.name().quoted() + " r WHERE (" + constraint + ")"
                + " AND r.tableoid = ?::oid AND (age(r.xmin) > (SELECT age(xid) FROM link)"
                + " OR (r.xmin = (SELECT xid FROM link) AND r.cmin::text::bigint < (SELECT cid FROM link))))";
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setLong(1, partition.relationOid());
            ps.setInt(2, partition.level());
            ps.setLong(3, partition.relationOid());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
