package dev.mirrorflow.connector.postgres.setup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.TableId;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@link PartitionTree} reads of a partitioned table on the real PostgreSQL: its leaf
 * partitions with their storage and the link that joined them, and whether a partition holds
 * rows from before it joined the table (which no change stream carries).
 */
class PartitionTreeIT {

    private static ScratchDatabase db;

    @BeforeAll
    static void database() throws Exception {
        db = ScratchDatabase.create("mirrorflow_partition_tree");
        db.execute("CREATE TABLE m (id int, at date, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)",
                "CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
                // A partition that is itself partitioned: its leaves count, it does not.
                "CREATE TABLE m_2025 PARTITION OF m FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"
                        + " PARTITION BY RANGE (at)",
                "CREATE TABLE m_2025_h1 PARTITION OF m_2025 FOR VALUES FROM ('2025-01-01') TO ('2025-07-01')",
                "INSERT INTO m VALUES (1, '2024-05-01', 'through the table'), (2, '2025-02-01', 'through the table')",
                "CREATE TABLE plain (id int PRIMARY KEY)");
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    @Test
    void shouldReadTheTableAndItsLeafPartitions() throws Exception {
        try (Connection c = db.connect()) {
            PartitionTree tree = new PartitionTree(c);
            List<PartitionTree.Member> members = tree.read(oid(c, "m"));
            assertThat(members).extracting(m -> m.name().toString())
                    .containsExactly("public.m", "public.m_2024", "public.m_2025_h1");
            assertThat(members.get(0).leaf()).isFalse();
            assertThat(members.get(0).joinedBy()).isNull();
            assertThat(members.get(1).relfilenode()).isNotZero();
            assertThat(members.get(2).joinedBy()).matches("\\d+:\\d+");
            assertThat(tree.read(oid(c, "plain"))).as("not partitioned").isEmpty();
            assertThat(tree.read(1)).as("no such table").isEmpty();
        }
    }

    @Test
    void shouldTellRowsWrittenBeforeAPartitionJoinedFromRowsWrittenThroughTheTable() throws Exception {
        db.execute("CREATE TABLE m_2026 PARTITION OF m FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "INSERT INTO m VALUES (3, '2026-02-01', 'through the table')",
                "CREATE TABLE m_2027 (id int, at date, v text, PRIMARY KEY (id, at))",
                "INSERT INTO m_2027 VALUES (4, '2027-02-01', 'before the attach')",
                "ALTER TABLE m ATTACH PARTITION m_2027 FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')",
                // Written and attached in one transaction: the rows came before the link.
                "BEGIN; CREATE TABLE m_2028 (id int, at date, v text, PRIMARY KEY (id, at));"
                        + " INSERT INTO m_2028 VALUES (5, '2028-02-01', 'before the attach');"
                        + " ALTER TABLE m ATTACH PARTITION m_2028 FOR VALUES FROM ('2028-01-01') TO ('2029-01-01');"
                        + " INSERT INTO m VALUES (6, '2028-03-01', 'after the attach'); COMMIT",
                "BEGIN; CREATE TABLE m_2032 PARTITION OF m FOR VALUES FROM ('2032-01-01') TO ('2033-01-01');"
                        + " INSERT INTO m VALUES (9, '2032-02-01', 'after the create'); COMMIT",
                "CREATE TABLE m_2029 (id int, at date, v text, PRIMARY KEY (id, at))",
                "ALTER TABLE m ATTACH PARTITION m_2029 FOR VALUES FROM ('2029-01-01') TO ('2030-01-01')",
                "INSERT INTO m VALUES (7, '2029-02-01', 'after the attach')",
                // A partitioned table with rows attached below the mirrored one.
                "CREATE TABLE m_2030 (id int, at date, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)",
                "CREATE TABLE m_2030_h1 PARTITION OF m_2030 FOR VALUES FROM ('2030-01-01') TO ('2030-07-01')",
                "INSERT INTO m_2030 VALUES (8, '2030-02-01', 'before the attach')",
                "ALTER TABLE m ATTACH PARTITION m_2030 FOR VALUES FROM ('2030-01-01') TO ('2031-01-01')");
        try (Connection c = db.connect()) {
            PartitionTree tree = new PartitionTree(c);
            long m = oid(c, "m");
            assertThat(holdsOldRows(tree, m, "m_2024")).as("loaded with the table").isFalse();
            assertThat(holdsOldRows(tree, m, "m_2026")).as("created, then written through the table").isFalse();
            assertThat(holdsOldRows(tree, m, "m_2027")).as("attached with a row").isTrue();
            assertThat(holdsOldRows(tree, m, "m_2028")).as("written and attached in one transaction").isTrue();
            assertThat(holdsOldRows(tree, m, "m_2029")).as("attached empty, then written").isFalse();
            assertThat(holdsOldRows(tree, m, "m_2032")).as("created and written through the table in one transaction")
                    .isFalse();
            assertThat(holdsOldRows(tree, m, "m_2030_h1")).as("below a partitioned table attached with rows")
                    .isTrue();
        }
    }

    @Test
    void shouldTellRowsBeforeJoiningWithOnlyTheTablesPrivilegeAndAnyKindOfPartition() throws Exception {
        String role = "mf_tree_" + ScratchDatabase.randomSuffix();
        // Columns named like what the check reads of the link must not confuse it.
        db.execute("CREATE TABLE h (id int PRIMARY KEY, xid int, cid int) PARTITION BY HASH (id)",
                "CREATE TABLE h_0 PARTITION OF h FOR VALUES WITH (MODULUS 2, REMAINDER 0)",
                "INSERT INTO h SELECT g, g, g FROM generate_series(1, 20) g WHERE satisfies_hash_partition("
                        + "'h'::regclass, 2, 0, g)",
                "CREATE TABLE h_1 (id int PRIMARY KEY, xid int, cid int)",
                "INSERT INTO h_1 SELECT g, g, g FROM generate_series(1, 20) g WHERE satisfies_hash_partition("
                        + "'h'::regclass, 2, 1, g)",
                "ALTER TABLE h ATTACH PARTITION h_1 FOR VALUES WITH (MODULUS 2, REMAINDER 1)",
                "CREATE TABLE l (id int, cid text, PRIMARY KEY (id, cid)) PARTITION BY LIST (cid)",
                "CREATE TABLE l_a PARTITION OF l FOR VALUES IN ('a')",
                "CREATE TABLE l_rest (id int, cid text, PRIMARY KEY (id, cid))",
                "INSERT INTO l_rest VALUES (1, 'z')",
                "ALTER TABLE l ATTACH PARTITION l_rest DEFAULT",
                "INSERT INTO l VALUES (2, 'a'), (3, 'y')",
                "CREATE ROLE " + role + " LOGIN PASSWORD 'tree'",
                "GRANT SELECT ON h, l TO " + role);
        try (Connection c = java.sql.DriverManager.getConnection(db.jdbcUrl(), role, "tree")) {
            PartitionTree tree = new PartitionTree(c);
            long h = oid(c, "h");
            long l = oid(c, "l");
            assertThat(holdsOldRows(tree, h, "h_0")).as("hash partition written through the table").isFalse();
            assertThat(holdsOldRows(tree, h, "h_1")).as("hash partition attached with rows").isTrue();
            assertThat(holdsOldRows(tree, l, "l_a")).as("list partition written through the table").isFalse();
            assertThat(holdsOldRows(tree, l, "l_rest")).as("default partition attached with a row").isTrue();
        } finally {
            db.execute("DROP OWNED BY " + role, "DROP ROLE " + role);
        }
    }

    @Test
    void shouldGiveAPartitionDetachedAndAttachedAgainANewLink() throws Exception {
        db.execute("CREATE TABLE m_2031 PARTITION OF m FOR VALUES FROM ('2031-01-01') TO ('2032-01-01')");
        try (Connection c = db.connect()) {
            PartitionTree tree = new PartitionTree(c);
            long m = oid(c, "m");
            String before = member(tree, m, "m_2031").joinedBy();
            long storage = member(tree, m, "m_2031").relfilenode();
            db.execute("BEGIN; ALTER TABLE m DETACH PARTITION m_2031;"
                    + " ALTER TABLE m ATTACH PARTITION m_2031 FOR VALUES FROM ('2031-01-01') TO ('2032-01-01'); COMMIT");
            assertThat(member(tree, m, "m_2031").joinedBy()).isNotEqualTo(before);

            long truncatedBy;
            try (Connection t = db.connect(); var s = t.createStatement()) {
                t.setAutoCommit(false);
                s.execute("TRUNCATE m_2031");
                try (var rs = s.executeQuery("SELECT txid_current()")) {
                    rs.next();
                    truncatedBy = rs.getLong(1);
                }
                t.commit();
            }
            PartitionTree.Member truncated = member(tree, m, "m_2031");
            assertThat(truncated.relfilenode()).isNotEqualTo(storage);
            // What a change stream's Begin message says of the transaction (the epoch aside).
            assertThat(truncated.storageChangedBy()).isEqualTo(truncatedBy & 0xFFFFFFFFL);
        }
    }

    private static boolean holdsOldRows(PartitionTree tree, long table, String partition) throws Exception {
        return tree.holdsRowsFromBeforeJoining(tree.read(table).get(0), member(tree, table, partition));
    }

    private static PartitionTree.Member member(PartitionTree tree, long table, String name) throws Exception {
        return tree.read(table).stream().filter(p -> p.name().equals(new TableId("public", name))).findFirst()
                .orElseThrow();
    }

    private static long oid(Connection c, String table) throws Exception {
        try (var s = c.createStatement(); var rs = s.executeQuery("SELECT '" + table + "'::regclass::oid::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
