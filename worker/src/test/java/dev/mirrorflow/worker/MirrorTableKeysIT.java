package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.postgres.setup.MirrorSource;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.setup.SourceValidator;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tables by the columns that identify their rows, end to end through the CLI and a worker on the
 * real Temporal dev server: composite keys declared in another order than their columns, a
 * partitioned table, and tables a mirror must refuse without touching the source.
 */
class MirrorTableKeysIT extends WorkerTestClass {

    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(60);


    @Test
    void shouldMirrorKeyChangesOfCompositeKeysInAnyOrderAndAPartitionedTable() throws Exception {
        String name = "keys_" + ScratchDatabase.randomSuffix();
        bed.source.execute("CREATE TABLE t (a int, b int, c text, PRIMARY KEY (b, a))",
                "INSERT INTO t VALUES (5, 105, 'five'), (105, 5, 'hundred and five')",
                "CREATE TABLE mixed (id int, code text, v text, PRIMARY KEY (code, id))",
                "INSERT INTO mixed VALUES (1, 'a', 'one'), (2, 'b', 'two')",
                "CREATE TABLE measures (id int, at date, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)",
                "CREATE TABLE measures_2025 PARTITION OF measures FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "CREATE TABLE measures_2026 PARTITION OF measures FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "INSERT INTO measures SELECT g, date '2025-06-01' + g, 'loaded' FROM generate_series(1, 400) g",
                // No primary key: a unique index on NOT NULL columns as the replica identity, as
                // the refusal of a keyless table advises (see the test below).
                "CREATE TABLE indexed (id int NOT NULL, v text)",
                "CREATE UNIQUE INDEX indexed_id ON indexed (id)",
                "ALTER TABLE indexed REPLICA IDENTITY USING INDEX indexed_id",
                "INSERT INTO indexed VALUES (1, 'a'), (2, 'b'), (3, 'c')");
        bed.peers(name);
        SecretScan.LogWatch logs = SecretScan.LogWatch.attach(bed.password);
        try {
            bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                    tables:
                      - source: public.t
                      - source: public.mixed
                      - source: public.measures
                      - source: public.indexed
                    batchSize: 100
                    idleTimeout: 200ms
                    """.formatted(name)).toString());
            bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
            // The initial load of the partitioned table: its parent has no storage of its own.
            bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
            assertThat(rows(bed.destination, "measures")).isEqualTo(rows(bed.source, "measures"));
            assertThat(count(bed.destination, "SELECT count(*) FROM measures")).isEqualTo(400);
            // The tables the mirror created were loaded without their keys, which were built after the
            // load, in the source's key order, before the stream applied anything by them.
            logs.assertNoSecretLogged("mirror " + name + ": loading destination table public.t without its primary key");
            logs.assertNoSecretLogged("mirror " + name + ": built the primary key of destination table public.measures");
            assertThat(primaryKeys(bed.destination)).isEqualTo("indexed: PRIMARY KEY (id); measures: PRIMARY KEY (id, at);"
                    + " mixed: PRIMARY KEY (code, id); t: PRIMARY KEY (b, a)");

            bed.source.execute("UPDATE t SET a = a + 1000 WHERE a = 5",
                    "UPDATE mixed SET code = 'z', id = 10 WHERE id = 1",
                    "UPDATE mixed SET code = 'y' WHERE id = 2",
                    "INSERT INTO measures VALUES (1000, '2026-03-01', 'streamed')",
                    // Rows that move between partitions, and one that stays.
                    "UPDATE measures SET at = at + 365 WHERE id % 10 = 0 AND at < '2026-01-01'",
                    "UPDATE measures SET at = at - 365 WHERE id % 10 = 5 AND at >= '2026-01-01'",
                    "UPDATE measures SET v = 'changed' WHERE id = 7",
                    "DELETE FROM measures WHERE id % 7 = 0",
                    "UPDATE indexed SET id = 20, v = 'moved' WHERE id = 2",
                    "DELETE FROM indexed WHERE id = 3");
            bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");

            assertThat(rows(bed.destination, "t")).isEqualTo("(1005,105,five);(105,5,\"hundred and five\")")
                    .isEqualTo(rows(bed.source, "t"));
            assertThat(rows(bed.destination, "mixed")).isEqualTo("(10,z,one);(2,y,two)")
                    .isEqualTo(rows(bed.source, "mixed"));
            assertThat(rows(bed.destination, "measures")).isEqualTo(rows(bed.source, "measures"));
            assertThat(count(bed.destination, "SELECT count(*) FROM measures WHERE at >= '2026-01-01'"))
                    .isEqualTo(count(bed.source, "SELECT count(*) FROM measures_2026")).isGreaterThan(40);
            assertThat(rows(bed.destination, "indexed")).isEqualTo("(1,a);(20,moved)")
                    .isEqualTo(rows(bed.source, "indexed"));
            assertThat(bed.ok("mirror", "status", name).out()).contains("phase    RUNNING");
            bed.ok("mirror", "drop", name, "--timeout", "60s");
        } finally {
            logs.detach();
        }
    }

    private static String primaryKeys(ScratchDatabase db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT string_agg(c.relname || ': ' || pg_get_constraintdef(k.oid), '; ' ORDER BY c.relname)"
                        + " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
                        + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                        + " WHERE k.contype = 'p' AND n.nspname = 'public'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void shouldRefuseADeferrableKeyAtCreateInOneLineAndLeaveTheSourceWritable() throws Exception {
        String name = "defer_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY DEFERRABLE, v text)",
                "INSERT INTO " + table + " VALUES (1, 'a'), (2, 'b')");
        bed.peers(name);
        MirrorTestBed.Run run = bed.cli("mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.%2$s
                """.formatted(name, table)).toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().strip()).doesNotContain("\n")
                .contains("table public." + table + " with a DEFERRABLE primary key cannot be mirrored")
                .endsWith("then run mirror create again");
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            assertThat(catalog.mirrors().findLatest(name)).isEmpty();
        }
        assertThat(count(bed.source, "SELECT count(*) FROM pg_publication_tables WHERE tablename = '" + table + "'"))
                .isZero();
        bed.source.execute("UPDATE " + table + " SET v = 'still writable'", "DELETE FROM " + table + " WHERE id = 1");
        assertThat(count(bed.source, "SELECT count(*) FROM " + table + " WHERE v = 'still writable'")).isEqualTo(1);
    }

    @Test
    void shouldRefuseATableWithoutAKeyAtCreateWithAdviceThatWorks() throws Exception {
        String name = "nokey_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int NOT NULL, v text)",
                "ALTER TABLE " + table + " REPLICA IDENTITY FULL");
        bed.peers(name);
        Path spec = bed.mirrorSpec(name, """
                tables:
                  - source: public.%2$s
                """.formatted(name, table));
        MirrorTestBed.Run run = bed.cli("mirror", "create", "-f", spec.toString());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().strip()).doesNotContain("\n")
                .contains("table public." + table + " without a primary key cannot be mirrored")
                .contains("REPLICA IDENTITY USING INDEX").endsWith("then run mirror create again");

        // The advice, followed, is accepted (and mirrored: see the table "indexed" above).
        bed.source.execute("CREATE UNIQUE INDEX " + table + "_id ON " + table + " (id)",
                "ALTER TABLE " + table + " REPLICA IDENTITY USING INDEX " + table + "_id");
        int port = Integer.parseInt(bed.source.jdbcUrl().replaceAll(".*:(\\d+)/.*", "$1"));
        assertThatCode(() -> SourceValidator.validateNewMirror(
                PostgresPeer.of("127.0.0.1", port, bed.source.name(), bed.role, bed.password),
                MirrorSource.of(name, List.of(TableId.parse(table))))).doesNotThrowAnyException();
    }

    /** A table's rows as text, in a stable order. */
    private static String rows(ScratchDatabase db, String table) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT coalesce(string_agg(t::text, ';' ORDER BY t::text), '') FROM " + table + " t")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
