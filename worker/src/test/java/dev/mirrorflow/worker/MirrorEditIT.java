package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.count;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.catalog.ScratchDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * `mirror edit` through the CLI and a worker in this JVM, on the real Temporal dev server and
 * PostgreSQL: tables added while the source keeps writing arrive whole and then stream, tables
 * removed stay at the destination as they were and are no longer the mirror's, settings change,
 * what cannot change is refused with nothing written, and a FAILED mirror is repaired by an
 * edit and a resume.
 */
class MirrorEditIT extends WorkerTestClass {

    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(90);


    @Test
    void shouldLoadAnAddedTableWhileTheSourceWritesAndLetGoOfARemovedOne() throws Exception {
        String name = "edit_" + ScratchDatabase.randomSuffix();
        bed.source.execute(
                "CREATE TABLE orders (id int PRIMARY KEY, v text)",
                "INSERT INTO orders SELECT g, 'o' || g FROM generate_series(1, 500) g",
                "CREATE TABLE notes (id int PRIMARY KEY, v text)",
                "INSERT INTO notes SELECT g, 'n' || g FROM generate_series(1, 50) g",
                // Added later: a composite key in another order than the columns, several partitions.
                "CREATE TABLE items (sku text, v text, shop int, PRIMARY KEY (shop, sku))",
                "INSERT INTO items SELECT 'sku' || g, repeat('x', 200) || g, g % 7 FROM generate_series(1, 20000) g");
        bed.peers(name);
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: orders
                  - source: notes
                idleTimeout: 200ms
                snapshot: {rowsPerPartition: 1000}
                """).toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");

        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong writes = new AtomicLong();
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            Random random = new Random(7);
            try (Connection c = bed.source.connect(); Statement s = c.createStatement()) {
                for (int i = 0; writing.get(); i++) {
                    int n = random.nextInt(20000) + 1;
                    switch (i % 5) {
                        case 0 -> s.execute("UPDATE items SET v = 'changed " + i + "' WHERE shop = " + (n % 7)
                                + " AND sku = 'sku" + n + "'");
                        case 1 -> s.execute("DELETE FROM items WHERE shop = " + (n % 7) + " AND sku = 'sku" + n + "'");
                        case 2 -> s.execute("INSERT INTO items VALUES ('new" + i + "', 'fresh', " + (i % 5) + ")");
                        case 3 -> s.execute("UPDATE orders SET v = 'w" + i + "' WHERE id = " + (n % 500 + 1));
                        default -> s.execute("UPDATE items SET shop = shop + 100 WHERE shop = " + (n % 7)
                                + " AND sku = 'sku" + n + "'");
                    }
                    writes.incrementAndGet();
                    Thread.sleep(2);
                }
            } catch (Throwable t) {
                writerFailure.set(t);
            }
        }, "source-writer");
        writer.start();
        try {
            MirrorTestBed.await("writes before the edit", Duration.ofSeconds(20), () -> writes.get() > 200);
            MirrorTestBed.Run edited = bed.ok("mirror", "edit", name, "-f", bed.mirrorSpec(name, """
                    tables:
                      - source: orders
                      - source: items
                    idleTimeout: 200ms
                    batchSize: 500
                    snapshot: {rowsPerPartition: 1000}
                    """).toString(), "--timeout", "120s");
            assertThat(edited.out()).contains("mirror " + name + ": spec edited: add public.items (loaded first);"
                    + " remove public.notes; batch size 10000 -> 500 (");
            MirrorTestBed.await("writes after the edit", Duration.ofSeconds(20), () -> writes.get() > 1500);
        } finally {
            writing.set(false);
            writer.join();
        }
        assertThat(writerFailure.get()).isNull();
        long notesAtRemoval = count(bed.destination, "SELECT count(*) FROM notes");
        bed.source.execute("INSERT INTO notes VALUES (1000, 'after removal')", "DELETE FROM notes WHERE id <= 10");
        bed.source.execute("INSERT INTO orders VALUES (1000, 'last')");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");

        assertThat(rows(bed.destination, "SELECT * FROM items ORDER BY shop, sku"))
                .as("the added table equals the source, with what was written during its load")
                .isEqualTo(rows(bed.source, "SELECT * FROM items ORDER BY shop, sku"))
                .hasSizeGreaterThan(19000);
        assertThat(rows(bed.destination, "SELECT * FROM orders ORDER BY id"))
                .isEqualTo(rows(bed.source, "SELECT * FROM orders ORDER BY id"));
        assertThat(count(bed.destination, "SELECT count(*) FROM notes")).as("the removed table stays as it was")
                .isEqualTo(notesAtRemoval).isEqualTo(50);
        assertThat(count(bed.source, "SELECT count(*) FROM pg_publication_tables WHERE pubname = 'mirrorflow_" + name
                + "' AND tablename = 'notes'")).as("the removed table left the publication").isZero();
        assertThat(count(bed.destination, "SELECT count(*) FROM _mirrorflow.mirror_tables WHERE destination_table ="
                + " 'public.notes'::regclass")).as("the removed table is no longer the mirror's").isZero();

        MirrorRow mirror = bed.mirror(name);
        assertThat(mirror.spec()).contains("public.items").doesNotContain("public.notes").contains("\"batchSize\": 500");
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            assertThat(catalog.mirrors().pendingSpec(mirror.id())).isEmpty();
            assertThat(catalog.mirrors().history(mirror.id(), 100)).filteredOn(e -> e.kind() == MirrorEvent.Kind.EDIT)
                    .singleElement().satisfies(e -> assertThat(e.reason()).startsWith("spec edited: add public.items"));
        }
        assertThat(bed.ok("mirror", "history", name).out()).contains("EDIT", "spec edited: add public.items");

        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
        assertThat(count(bed.destination, "SELECT count(*) FROM pg_tables WHERE tablename IN ('orders', 'items')"))
                .as("the mirror's tables dropped").isZero();
        assertThat(count(bed.destination, "SELECT count(*) FROM notes")).as("the table let go of is kept").isEqualTo(50);
    }

    @Test
    void shouldCarryATransactionThatWasOpenOnAnAddedTableWhenTheEditBegan() throws Exception {
        String name = "inflight_" + ScratchDatabase.randomSuffix();
        bed.source.execute("CREATE TABLE first (id int PRIMARY KEY, v text)",
                "CREATE TABLE late (id int PRIMARY KEY, v text)",
                "INSERT INTO late SELECT g, 'base' FROM generate_series(1, 100) g");
        bed.peers(name);
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, "tables:\n  - source: first\nidleTimeout: 200ms\n")
                .toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        MirrorTestBed.Run[] edited = new MirrorTestBed.Run[1];
        try (Connection open = bed.source.connect(); Statement st = open.createStatement()) {
            open.setAutoCommit(false);
            st.execute("INSERT INTO late VALUES (1001, 'in flight')");
            st.execute("UPDATE late SET v = 'updated in flight' WHERE id = 5");
            st.execute("DELETE FROM late WHERE id = 6");
            Thread edit = new Thread(() -> {
                try {
                    edited[0] = bed.cli("mirror", "edit", name, "-f", bed.mirrorSpec(name,
                            "tables:\n  - source: first\n  - source: late\nidleTimeout: 200ms\n").toString(),
                            "--timeout", "120s");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            edit.start();
            // The edit waits for this transaction; what it wrote must reach the destination.
            MirrorTestBed.await("the edit waiting", PHASE_TIMEOUT, () -> {
                String error = bed.mirror(name).lastError();
                return error != null && error.contains("to the publication has waited");
            });
            open.commit();
            edit.join(120_000);
        }
        assertThat(edited[0].exit()).as(edited[0].err()).isZero();
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(rows(bed.destination, "SELECT * FROM late ORDER BY id"))
                .isEqualTo(rows(bed.source, "SELECT * FROM late ORDER BY id"))
                .contains("(1001,\"in flight\")", "(5,\"updated in flight\")").hasSize(100);
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    @Test
    void shouldRefuseWhatAnEditCannotChangeAndChangeNothing() throws Exception {
        String name = "refuse_" + ScratchDatabase.randomSuffix();
        bed.source.execute(
                "CREATE TABLE accounts (id int PRIMARY KEY, v text, secret text)",
                "INSERT INTO accounts SELECT g, 'a' || g, 's' FROM generate_series(1, 20) g",
                "CREATE TABLE keyless (v text)",
                "CREATE TABLE filled (id int PRIMARY KEY, v text)");
        bed.destination.execute("CREATE TABLE filled (id int PRIMARY KEY, v text)",
                "INSERT INTO filled VALUES (1, 'a row the source does not have')");
        bed.peers(name);
        bed.ok("peer", "create", name + "_other", "--type", "postgres", "--url", bed.url(bed.destination),
                "--password-file", state.resolve("password").toString());
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: accounts
                idleTimeout: 200ms
                """).toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        String storedSpec = bed.mirror(name).spec();

        assertRefused(name, "name: " + name + "\nsource: " + name + "_src\ndestination: " + name + "_other\n"
                + "tables:\n  - source: accounts\n", "the destination peer of a mirror cannot change");
        assertRefused(name, spec(name, "tables:\n  - source: accounts\nslot: another_slot\n"),
                "the replication slot of a mirror cannot change");
        assertRefused(name, spec(name, "tables:\n  - source: accounts\n    exclude: [secret]\n"),
                "the excluded columns of table public.accounts would change");
        assertRefused(name, spec(name, "tables:\n  - source: accounts\n    destination: archive.accounts\n"),
                "table public.accounts would move from destination public.accounts to archive.accounts");
        assertRefused(name, spec(name, "tables:\n  - source: accounts\ninitialLoad: false\n"), "initialLoad cannot change");
        assertRefused(name, spec(name, "tables:\n  - source: accounts\n  - source: keyless\n"), "keyless");
        assertRefused(name, spec(name, "tables:\n  - source: accounts\n  - source: filled\n"),
                "destination table public.filled already exists and holds rows");
        assertRefused(name, spec(name, "tables:\n  - source: accounts\n  - source: missing_table\n"), "missing_table");
        assertRefused("refuse_other", spec(name, "tables:\n  - source: accounts\n"), "no mirror named 'refuse_other'");

        MirrorRow mirror = bed.mirror(name);
        assertThat(mirror.spec()).isEqualTo(storedSpec);
        assertThat(mirror.phase()).isEqualTo(MirrorPhase.RUNNING);
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            assertThat(catalog.mirrors().pendingSpec(mirror.id())).isEmpty();
        }
        assertThat(count(bed.source, "SELECT count(*) FROM pg_publication_tables WHERE pubname = 'mirrorflow_" + name
                + "'")).as("the publication unchanged").isEqualTo(1);
        assertThat(count(bed.destination, "SELECT count(*) FROM filled")).isEqualTo(1);
        // A keyless table never joined the publication, so the source's writes to it still work.
        bed.source.execute("INSERT INTO keyless VALUES ('x')", "UPDATE keyless SET v = 'y'", "DELETE FROM keyless");

        assertThat(bed.ok("mirror", "edit", name, "-f", spec(name, "tables:\n  - source: accounts\nidleTimeout: 200ms\n").toString())
                .out()).contains("nothing changed");
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    @Test
    void shouldRepairAFailedMirrorByAnEditAndAResume() throws Exception {
        String name = "repair_" + ScratchDatabase.randomSuffix();
        bed.source.execute(
                "CREATE TABLE kept (id int PRIMARY KEY, v text)",
                "INSERT INTO kept SELECT g, 'k' || g FROM generate_series(1, 100) g",
                "CREATE TABLE doomed (id int PRIMARY KEY, v text)",
                "INSERT INTO doomed SELECT g, 'd' || g FROM generate_series(1, 10) g");
        bed.peers(name);
        Path both = bed.mirrorSpec(name, "tables:\n  - source: kept\n  - source: doomed\nidleTimeout: 200ms\n");
        bed.ok("mirror", "create", "-f", both.toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");

        // A source table dropped under a running mirror fails it: its rows can no longer be followed.
        bed.source.execute("DROP TABLE doomed");
        bed.awaitPhase(name, MirrorPhase.FAILED, PHASE_TIMEOUT);
        bed.source.execute("UPDATE kept SET v = 'while failed' WHERE id <= 30", "INSERT INTO kept VALUES (500, 'new')");

        MirrorTestBed.Run edit = bed.ok("mirror", "edit", name, "-f",
                bed.mirrorSpec(name, "tables:\n  - source: kept\nidleTimeout: 200ms\n").toString());
        assertThat(edit.out()).contains("has FAILED; the edit (remove public.doomed) is saved",
                "mirrorflow mirror resume " + name);
        assertThat(bed.ok("mirror", "status", name).out())
                .contains("edit     remove public.doomed: saved, applied first when the mirror is resumed or resynced");
        bed.ok("mirror", "resume", name);
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        assertThat(bed.ok("mirror", "status", name).out()).doesNotContain("edit  ");
        bed.source.execute("DELETE FROM kept WHERE id > 90");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");

        assertThat(rows(bed.destination, "SELECT * FROM kept ORDER BY id"))
                .isEqualTo(rows(bed.source, "SELECT * FROM kept ORDER BY id")).hasSize(90);
        assertThat(bed.mirror(name).spec()).doesNotContain("doomed");
        assertThat(count(bed.destination, "SELECT count(*) FROM doomed")).as("its destination table kept").isEqualTo(10);
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    private static Path spec(String name, String rest) throws Exception {
        return bed.mirrorSpec(name, rest);
    }

    private static void assertRefused(String name, Object spec, String expected) throws Exception {
        Path file = spec instanceof Path p ? p : bed.spec(name + "_edit", spec.toString());
        MirrorTestBed.Run run = bed.cli("mirror", "edit", name, "-f", file.toString());
        assertThat(run.exit()).as("out: %s\nerr: %s", run.out(), run.err()).isNotZero();
        assertThat(run.err().strip()).contains(expected).doesNotContain("\n").doesNotContain("Exception");
    }

    /** Each row of a query as PostgreSQL writes it as text, in the query's order. */
    private static List<String> rows(ScratchDatabase db, String query) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT r::text FROM (" + query + ") r")) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }
}
