package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.checksum;
import static dev.mirrorflow.worker.MirrorTestBed.count;
import static dev.mirrorflow.worker.MirrorTestBed.temporal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL to PostgreSQL mirrors driven through the CLI, on the real Temporal dev server and
 * real PostgreSQL, with a worker in this JVM.
 */
class MirrorLifecycleIT {

    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path state;

    private static MirrorTestBed bed;
    private static WorkerRuntime worker;

    @BeforeAll
    static void environment() throws Exception {
        bed = new MirrorTestBed(state);
        bed.source.execute("CREATE TABLE orders (id int PRIMARY KEY, qty int NOT NULL, note text)");
        worker = WorkerRuntime.start(bed.catalogDb.catalogConfig(),
                new TemporalConnection.Settings(MirrorTestBed.TEMPORAL, "default", bed.queue), state);
    }

    @AfterAll
    static void teardown() {
        if (worker != null) {
            worker.close();
        }
        bed.close();
    }

    @Test
    void shouldMirrorChangesPauseResumeAndDropWithHistoryKeptInTheCatalog() throws Exception {
        String name = "e2e_" + ScratchDatabase.randomSuffix();
        bed.peers(name);
        bed.ok("mirror", "create", "-f", bed.spec(name, """
                name: %1$s
                source: %1$s_src
                destination: %1$s_dst
                tables:
                  - source: public.orders
                initialLoad: false
                batchSize: 100
                idleTimeout: 200ms
                """.formatted(name)).toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);

        bed.source.execute("INSERT INTO orders SELECT g, g, 'n' || g FROM generate_series(1, 500) g",
                "UPDATE orders SET qty = qty * 2 WHERE id % 2 = 0",
                "DELETE FROM orders WHERE id % 5 = 0");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, "orders")).isEqualTo(checksum(bed.source, "orders"));

        bed.ok("mirror", "pause", name, "--reason", "e2e pause");
        bed.awaitPhase(name, MirrorPhase.PAUSED, PHASE_TIMEOUT);
        bed.source.execute("INSERT INTO orders VALUES (1000, 1, 'while paused')");
        Thread.sleep(1000);
        assertThat(count(bed.destination, "SELECT count(*) FROM orders WHERE id = 1000")).as("paused").isZero();
        bed.ok("mirror", "resume", name);
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(checksum(bed.destination, "orders")).isEqualTo(checksum(bed.source, "orders"));

        // No secret in what Temporal keeps.
        String history = temporal("workflow", "show", "--workflow-id", "mirror/" + name, "--output", "json");
        assertThat(history).contains(name).doesNotContain(bed.password);

        bed.ok("mirror", "drop", name, "--timeout", "60s");
        assertThat(count(bed.source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'mirrorflow_"
                + name + "'")).isZero();
        assertThat(count(bed.source, "SELECT count(*) FROM pg_publication WHERE pubname = 'mirrorflow_" + name + "'"))
                .isZero();

        // Temporal's retention expiring, simulated: the catalog still tells the whole story.
        temporal("workflow", "delete", "--workflow-id", "mirror/" + name, "--yes");
        assertThat(bed.ok("mirror", "history", name).out())
                .contains("PAUSED").contains("e2e pause").contains("outcome: TERMINATED");
        assertThat(bed.ok("mirror", "status", name).out()).contains("dropped").contains("TERMINATED");
    }

    @Test
    void shouldLoadThreeTablesWhileTheyAreWrittenPauseInTheLoadAndEndEqual() throws Exception {
        String name = "load_" + ScratchDatabase.randomSuffix();
        List<String> tables = List.of(name + "_a", name + "_b", name + "_c");
        for (String t : tables) {
            bed.source.execute("CREATE TABLE " + t + " (id bigint PRIMARY KEY, v int NOT NULL, note text)",
                    "INSERT INTO " + t + " SELECT g, g, md5(g::text) FROM generate_series(1, 20000) g");
        }
        bed.peers(name);
        Path spec = bed.spec(name, """
                name: %1$s
                source: %1$s_src
                destination: %1$s_dst
                tables:
                  - source: public.%1$s_a
                  - source: public.%1$s_b
                  - source: public.%1$s_c
                batchSize: 500
                idleTimeout: 200ms
                snapshot:
                  rowsPerPartition: 1000
                  parallelism: 2
                """.formatted(name));

        try (SourceWriter writer = SourceWriter.start(bed.source, tables, 20_000)) {
            bed.ok("mirror", "create", "-f", spec.toString());
            bed.awaitPhase(name, MirrorPhase.SNAPSHOT, PHASE_TIMEOUT);
            bed.ok("mirror", "pause", name, "--reason", "pause in the load");
            bed.awaitPhase(name, MirrorPhase.PAUSED, PHASE_TIMEOUT);
            assertThat(bed.ok("mirror", "status", name).out()).contains("PAUSED").contains("partitions");
            bed.ok("mirror", "resume", name);
            bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
            Thread.sleep(2000);
        }
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "120s");
        for (String t : tables) {
            assertThat(checksum(bed.destination, t)).as(t).isEqualTo(checksum(bed.source, t));
        }

        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
        assertThat(count(bed.destination, "SELECT count(*) FROM pg_tables WHERE tablename LIKE '" + name + "%'"))
                .isZero();
    }

    /** Inserts, updates and deletes rows of the given tables until closed. */
    static final class SourceWriter implements AutoCloseable {
        private final AtomicBoolean writing = new AtomicBoolean(true);
        private final Thread thread;
        private volatile Exception failure;

        private SourceWriter(ScratchDatabase db, List<String> tables, int existingRows) {
            thread = new Thread(() -> {
                try (Connection c = db.connect(); Statement st = c.createStatement()) {
                    for (int i = 0; writing.get(); i++) {
                        String t = tables.get(i % tables.size());
                        st.execute("INSERT INTO " + t + " VALUES (" + (10_000_000 + i) + ", " + i + ", 'new')");
                        st.execute("UPDATE " + t + " SET v = v + 1 WHERE id = " + (1 + (i * 7919L) % existingRows));
                        st.execute("DELETE FROM " + t + " WHERE id = " + (1 + (i * 104729L) % existingRows));
                        Thread.sleep(5);
                    }
                } catch (Exception e) {
                    failure = e;
                }
            }, "source-writer");
        }

        static SourceWriter start(ScratchDatabase db, List<String> tables, int existingRows) {
            SourceWriter writer = new SourceWriter(db, tables, existingRows);
            writer.thread.start();
            return writer;
        }

        @Override
        public void close() throws Exception {
            writing.set(false);
            thread.join();
            if (failure != null) {
                throw failure;
            }
        }
    }
}
