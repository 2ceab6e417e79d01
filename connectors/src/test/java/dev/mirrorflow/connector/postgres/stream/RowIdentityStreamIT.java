package dev.mirrorflow.connector.postgres.stream;

import dev.mirrorflow.connector.postgres.stream.StreamLoop;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.postgres.slot.Lsn;
import dev.mirrorflow.connector.postgres.setup.MirrorSource;
import dev.mirrorflow.connector.postgres.ScratchPeers;
import dev.mirrorflow.connector.postgres.slot.SlotPositions;
import dev.mirrorflow.connector.postgres.setup.SourceSchemaReader;
import dev.mirrorflow.connector.postgres.setup.SourceSetup;
import dev.mirrorflow.connector.postgres.destination.PostgresDestination;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The rows of tables whose key is declared in another order than their columns, whose replica
 * identity is FULL or an index, and of partitioned tables, streamed through the real change stream
 * into a real destination: the destination must equal the source, row for row.
 */
class RowIdentityStreamIT {

    // Slot names are cluster-wide: a suffix keeps concurrent runs of this test apart.
    private static final String SLOT = "mirrorflow_rid_" + ScratchDatabase.randomSuffix();
    private static final String MIRROR = "rid";

    private ScratchDatabase source;
    private ScratchDatabase destinationDb;
    private Connection sql;

    @BeforeEach
    void databases() throws SQLException {
        source = ScratchDatabase.create("mirrorflow_rid_src");
        destinationDb = ScratchDatabase.create("mirrorflow_rid_dst");
        sql = source.connect();
    }

    @AfterEach
    void drop() throws SQLException {
        sql.close();
        source.close();
        destinationDb.close();
    }

    @Test
    void shouldMoveTheRightRowWhenAKeyDeclaredInAnotherOrderThanItsColumnsChanges() throws Exception {
        List<TableId> tables = start(
                "CREATE TABLE t (a int, b int, c text, PRIMARY KEY (b, a))",
                "INSERT INTO t VALUES (5, 105, 'five'), (105, 5, 'hundred and five')",
                "CREATE TABLE mixed (id int, code text, v text, PRIMARY KEY (code, id))",
                "INSERT INTO mixed VALUES (1, 'a', 'one'), (2, 'b', 'two')");
        try (PostgresDestination destination = prepared(tables)) {
            source.execute("UPDATE t SET a = a + 1000 WHERE a = 5",
                    "UPDATE mixed SET code = 'z', id = 10 WHERE id = 1",
                    "UPDATE mixed SET code = 'y' WHERE id = 2");
            streamUntilCaughtUp(destination);
        }
        assertThat(rows(destinationDb, "t")).isEqualTo("(1005,105,five);(105,5,\"hundred and five\")")
                .isEqualTo(rows(source, "t"));
        assertThat(rows(destinationDb, "mixed")).isEqualTo("(10,z,one);(2,y,two)").isEqualTo(rows(source, "mixed"));
    }

    @Test
    void shouldApplyByThePrimaryKeyUnderReplicaIdentityFullAndByTheIndexUnderUsingIndex() throws Exception {
        List<TableId> tables = start(
                "CREATE TABLE full_pk (id int PRIMARY KEY, a int, b text)",
                "ALTER TABLE full_pk REPLICA IDENTITY FULL",
                "CREATE TABLE by_index (region int NOT NULL, code text NOT NULL, v text)",
                "CREATE UNIQUE INDEX by_index_key ON by_index (code, region)",
                "ALTER TABLE by_index REPLICA IDENTITY USING INDEX by_index_key",
                "CREATE TABLE other_index (id int PRIMARY KEY, email text NOT NULL, v text)",
                "CREATE UNIQUE INDEX other_index_email ON other_index (email)",
                "ALTER TABLE other_index REPLICA IDENTITY USING INDEX other_index_email");
        try (PostgresDestination destination = prepared(tables)) {
            source.execute("INSERT INTO full_pk VALUES (1, 1, 'x'), (2, 2, 'y'), (3, 3, 'z')",
                    "UPDATE full_pk SET a = 10 WHERE id = 1",
                    "UPDATE full_pk SET id = 20 WHERE id = 2",
                    "DELETE FROM full_pk WHERE id = 3",
                    "INSERT INTO by_index VALUES (1, 'a', 'x'), (2, 'b', 'y'), (3, 'c', 'z')",
                    "UPDATE by_index SET v = 'changed' WHERE region = 1",
                    "UPDATE by_index SET region = 20, code = 'bb' WHERE region = 2",
                    "DELETE FROM by_index WHERE region = 3",
                    "INSERT INTO other_index VALUES (1, 'a@x', 'x'), (2, 'b@x', 'y'), (3, 'c@x', 'z')",
                    // The primary key changes but the replica identity does not: no old row comes.
                    "UPDATE other_index SET id = 10 WHERE id = 1",
                    "UPDATE other_index SET email = 'bb@x' WHERE id = 2",
                    "DELETE FROM other_index WHERE id = 3");
            streamUntilCaughtUp(destination);
        }
        assertThat(rows(destinationDb, "full_pk")).isEqualTo("(1,10,x);(20,2,y)").isEqualTo(rows(source, "full_pk"));
        assertThat(rows(destinationDb, "by_index")).isEqualTo("(1,a,changed);(20,bb,y)")
                .isEqualTo(rows(source, "by_index"));
        assertThat(rows(destinationDb, "other_index")).isEqualTo("(10,a@x,x);(2,bb@x,y)")
                .isEqualTo(rows(source, "other_index"));
    }

    @Test
    void shouldStreamAPartitionedTableUnderItsOwnNameIncludingRowsThatMoveBetweenPartitions() throws Exception {
        List<TableId> tables = start(
                "CREATE TABLE measures (id int, at date, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)",
                "CREATE TABLE measures_2025 PARTITION OF measures FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "CREATE TABLE measures_2026 PARTITION OF measures FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "INSERT INTO measures VALUES (1, '2025-03-01', 'before the mirror')");
        try (PostgresDestination destination = prepared(tables)) {
            source.execute("INSERT INTO measures VALUES (2, '2025-05-01', 'a'), (3, '2026-05-01', 'b')",
                    "UPDATE measures SET v = 'changed' WHERE id = 3",
                    "UPDATE measures SET at = '2026-02-01' WHERE id = 2",
                    "UPDATE measures SET at = '2025-12-31', v = 'moved back' WHERE id = 3",
                    "DELETE FROM measures WHERE id = 1");
            streamUntilCaughtUp(destination);
        }
        assertThat(rows(destinationDb, "measures")).isEqualTo("(2,2026-02-01,a);(3,2025-12-31,\"moved back\")")
                .isEqualTo(rows(source, "measures"));
    }

    @Test
    void shouldFailWithAClearMessageWhenTheKeyChangesWhileStreamingInsteadOfApplyingByOtherColumns()
            throws Exception {
        List<TableId> tables = start("CREATE TABLE people (id int PRIMARY KEY, email text NOT NULL)");
        try (PostgresDestination destination = prepared(tables)) {
            source.execute("INSERT INTO people VALUES (1, 'a@x')");
            streamUntilCaughtUp(destination);
            source.execute("CREATE UNIQUE INDEX people_email ON people (email)",
                    "ALTER TABLE people REPLICA IDENTITY USING INDEX people_email",
                    "INSERT INTO people VALUES (2, 'b@x')");
            assertThatThrownBy(() -> streamUntilCaughtUp(destination))
                    .hasMessageContaining("destination table public.people has primary key (id) but source table"
                            + " public.people has (email); resync the mirror");
        }
        assertThat(rows(destinationDb, "people")).isEqualTo("(1,a@x)");
    }

    /**
     * Generated tables: keys of two or three columns of mixed types, declared in a random order,
     * with every usable replica identity; then random inserts, key-changing updates (one row and
     * many at once), other updates and deletes, in transactions of random size.
     */
    @Test
    void shouldEndEqualAfterRandomKeyChangesOnGeneratedTables() throws Exception {
        long seed = Long.getLong("mirrorflow.it.seed", System.nanoTime());
        Random random = new Random(seed);
        List<GeneratedTable> generated = new ArrayList<>();
        List<String> ddl = new ArrayList<>();
        for (int t = 0; t < 6; t++) {
            GeneratedTable table = GeneratedTable.random("g" + t, random);
            generated.add(table);
            ddl.addAll(table.ddl());
        }
        List<TableId> tables = start(ddl.toArray(String[]::new));
        int committed = 0;
        try (PostgresDestination destination = prepared(tables)) {
            for (int round = 0; round < 3; round++) {
                try (Statement s = sql.createStatement()) {
                    for (int tx = 0; tx < 40; tx++) {
                        StringBuilder transaction = new StringBuilder("BEGIN;");
                        int statements = 1 + random.nextInt(4);
                        for (int i = 0; i < statements; i++) {
                            GeneratedTable table = generated.get(random.nextInt(generated.size()));
                            transaction.append(table.randomStatement(random)).append(';');
                        }
                        transaction.append("COMMIT");
                        try {
                            s.execute(transaction.toString());
                            committed++;
                        } catch (SQLException e) {
                            // A generated key collided with another row's: the source refused
                            // the transaction, so there is nothing to mirror.
                            s.execute("ROLLBACK");
                        }
                    }
                }
                streamUntilCaughtUp(destination);
            }
        }
        assertThat(committed).as("transactions the source committed (seed %d)", seed).isGreaterThan(30);
        for (GeneratedTable table : generated) {
            assertThat(rows(destinationDb, table.name())).as("%s (seed %d)", table.describe(), seed)
                    .isEqualTo(rows(source, table.name()));
        }
        assertThat(generated.stream().mapToLong(t -> {
            try {
                return count(source, "SELECT count(*) FROM " + t.name());
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }).sum()).as("rows left at the source (seed %d)", seed).isPositive();
    }

    /** A table with a generated shape, and the random statements that change it. */
    private record GeneratedTable(String name, List<String> columns, List<String> types, List<String> key,
            String identity) {

        private static final List<String> TYPES = List.of("int", "bigint", "text", "date", "numeric(8,2)", "uuid");

        static GeneratedTable random(String name, Random random) {
            int count = 3 + random.nextInt(3);
            List<String> columns = new ArrayList<>();
            List<String> types = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                columns.add("c" + i);
                types.add(TYPES.get(random.nextInt(TYPES.size())));
            }
            List<String> key = new ArrayList<>(columns);
            Collections.shuffle(key, random);
            key = List.copyOf(key.subList(0, 2 + random.nextInt(2)));
            String identity = List.of("default", "full", "index", "index without primary key").get(random.nextInt(4));
            return new GeneratedTable(name, columns, types, key, identity);
        }

        String describe() {
            StringBuilder d = new StringBuilder(name).append(" (");
            for (int i = 0; i < columns.size(); i++) {
                d.append(i > 0 ? ", " : "").append(columns.get(i)).append(' ').append(types.get(i));
            }
            return d.append(", key (").append(String.join(", ", key)).append("), identity ").append(identity)
                    .append(')').toString();
        }

        List<String> ddl() {
            List<String> ddl = new ArrayList<>();
            StringBuilder create = new StringBuilder("CREATE TABLE " + name + " (");
            for (int i = 0; i < columns.size(); i++) {
                create.append(columns.get(i)).append(' ').append(types.get(i))
                        .append(key.contains(columns.get(i)) ? " NOT NULL" : "").append(", ");
            }
            // Under an identity index the table's primary key, if any, spans all its columns, so
            // that the key rows are applied by differs from the primary key.
            String keyList = String.join(", ", key);
            if (identity.equals("index without primary key")) {
                create.setLength(create.length() - 2);
                create.append(')');
            } else if (identity.equals("index")) {
                create.append("PRIMARY KEY (").append(String.join(", ", columns)).append("))");
            } else {
                create.append("PRIMARY KEY (").append(keyList).append("))");
            }
            ddl.add(create.toString());
            if (identity.startsWith("index")) {
                ddl.add("CREATE UNIQUE INDEX " + name + "_key ON " + name + " (" + keyList + ")");
                ddl.add("ALTER TABLE " + name + " REPLICA IDENTITY USING INDEX " + name + "_key");
            } else if (identity.equals("full")) {
                ddl.add("ALTER TABLE " + name + " REPLICA IDENTITY FULL");
            }
            for (int i = 0; i < 30; i++) {
                ddl.add(insert(new Random(name.hashCode() * 31L + i)) + " ON CONFLICT DO NOTHING");
            }
            return ddl;
        }

        String randomStatement(Random random) {
            int kind = random.nextInt(10);
            String column = key.get(random.nextInt(key.size()));
            String type = types.get(columns.indexOf(column));
            if (kind < 3) {
                return insert(random) + " ON CONFLICT DO NOTHING";
            }
            if (kind < 6) {
                // One row's key column gets a new value.
                return "UPDATE " + name + " SET " + column + " = " + literal(type, random) + " WHERE ctid = (SELECT ctid"
                        + " FROM " + name + " ORDER BY random() LIMIT 1)";
            }
            if (kind < 7) {
                // Many rows' keys move at once, as in the update t set a = a + 1000.
                return "UPDATE " + name + " SET " + column + " = " + shifted(column, type) + " WHERE md5(" + column
                        + "::text) < '" + Integer.toHexString(random.nextInt(16)) + "'";
            }
            if (kind < 9) {
                String other = columns.get(random.nextInt(columns.size()));
                return "UPDATE " + name + " SET " + other + " = " + literal(types.get(columns.indexOf(other)), random)
                        + " WHERE ctid = (SELECT ctid FROM " + name + " ORDER BY random() LIMIT 1)";
            }
            return "DELETE FROM " + name + " WHERE ctid = (SELECT ctid FROM " + name + " ORDER BY random() LIMIT 1)";
        }

        private String insert(Random random) {
            StringBuilder insert = new StringBuilder("INSERT INTO " + name + " VALUES (");
            for (int i = 0; i < columns.size(); i++) {
                insert.append(i > 0 ? ", " : "").append(literal(types.get(i), random));
            }
            return insert.append(')').toString();
        }

        /** A value from a small domain, so that keys collide and repeat. */
        private static String literal(String type, Random random) {
            int n = random.nextInt(12);
            return switch (type) {
                case "int", "bigint" -> Integer.toString(n);
                case "text" -> "'k" + n + "'";
                case "date" -> "date '2025-01-01' + " + n;
                case "numeric(8,2)" -> n + ".25";
                default -> "'00000000-0000-0000-0000-0000000000" + String.format("%02d", n) + "'";
            };
        }

        private static String shifted(String column, String type) {
            return switch (type) {
                case "int", "bigint" -> column + " + 1000";
                case "text" -> column + " || 'x'";
                case "date" -> column + " + 1000";
                case "numeric(8,2)" -> column + " + 1000";
                default -> "md5(" + column + "::text)::uuid";
            };
        }
    }

    /** Creates the tables, the mirror's publication as mirrorflow sets it up, and the slot. */
    private List<TableId> start(String... ddl) throws SQLException {
        source.execute(ddl);
        List<TableId> tables = new ArrayList<>();
        try (Statement s = sql.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')"
                        + " AND NOT relispartition ORDER BY relname")) {
            while (rs.next()) {
                tables.add(new TableId("public", rs.getString(1)));
            }
        }
        SourceSetup.ensurePublication(ScratchPeers.of(source), MirrorSource.of(MIRROR, tables));
        source.execute("SELECT pg_create_logical_replication_slot('" + SLOT + "', 'pgoutput')");
        return tables;
    }

    /**
     * A destination prepared for the tables, holding what the source had when the slot was made
     * (standing in for the initial load, which copies rows as they are).
     */
    private PostgresDestination prepared(List<TableId> tables) throws SQLException {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(destinationDb.jdbcUrl());
        ds.setUser(ScratchDatabase.USER);
        ds.setPassword(ScratchDatabase.PASSWORD);
        PostgresDestination destination = new PostgresDestination(ds);
        List<TableSchema> schemas = List.copyOf(new SourceSchemaReader(sql).read(tables).values());
        destination.prepare(MIRROR, tables.stream().map(t -> new TableMapping(t, t, Set.of())).toList(), schemas);
        for (TableId table : tables) {
            copyRows(table);
        }
        return destination;
    }

    private void copyRows(TableId table) throws SQLException {
        List<String> inserts = new ArrayList<>();
        try (Statement s = sql.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT format('INSERT INTO %s SELECT (%L::%s).*', '" + table.quoted() + "', t::text, '"
                        + table.quoted() + "') FROM " + table.quoted() + " t")) {
            while (rs.next()) {
                inserts.add(rs.getString(1));
            }
        }
        if (!inserts.isEmpty()) {
            // The destination has the same row type: the source's text form reads back as it is.
            try (Connection d = destinationDb.connect(); Statement s = d.createStatement()) {
                for (String insert : inserts) {
                    s.execute(insert);
                }
            }
        }
    }

    /** Streams until the destination has everything the source had committed when called. */
    private void streamUntilCaughtUp(PostgresDestination destination) throws Exception {
        Lsn target = SlotPositions.read(sql, SLOT, 5).orElseThrow().current();
        Lsn from = destination.checkpoint(MIRROR).map(Lsn::valueOf).orElse(Lsn.INVALID);
        ChangeStreamSettings settings = new ChangeStreamSettings(SLOT, "mirrorflow_" + MIRROR, 50,
                Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1));
        try (Connection repl = ScratchPeers.of(source).connectForReplication();
                PostgresChangeStream stream = PostgresChangeStream.start(repl, sql, settings, from, 1)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            new StreamLoop(MIRROR).run(stream, destination,
                    () -> stream.confirmedPosition().compareTo(target) >= 0 || System.nanoTime() > deadline,
                    () -> {}, (b, r, s, e) -> {});
            assertThat(stream.confirmedPosition()).as("caught up within 30 s").isGreaterThanOrEqualTo(target);
        }
    }

    /** A table's rows as text, in a stable order. */
    private static String rows(ScratchDatabase db, String table) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT coalesce(string_agg(t::text, ';' ORDER BY t::text), '') FROM " + table + " t")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long count(ScratchDatabase db, String query) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
