package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.count;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rows far wider than a batch's share of the heap: 200 rows of 5 MB values, 1 GB in all, written
 * in one source transaction while a worker with a 256 MB heap streams them with the default spec.
 * A batch bounded by rows alone (10,000 by default) would hold the whole transaction and the
 * worker would run out of memory; bounded by bytes too ({@code batchBytes}), it applies the rows a
 * few at a time and ends equal to the source.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class WideRowsMemoryIT {

    private static final int ROWS = 200;
    private static final int VALUE_BYTES = 5 << 20;

    @TempDir
    static Path state;

    private static MirrorTestBed bed;
    private static Process worker;

    @BeforeAll
    static void environment() throws Exception {
        bed = new MirrorTestBed(state);
        worker = bed.startWorkerProcess(List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"));
    }

    @AfterAll
    static void teardown() throws Exception {
        if (worker != null && worker.isAlive()) {
            worker.destroy();
            worker.waitFor(60, TimeUnit.SECONDS);
        }
        bed.close();
    }

    @Test
    void shouldStreamRowsOfFiveMegabytesWithA256MegabyteHeapAndTheDefaultSpec() throws Exception {
        String name = "wide_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, payload text NOT NULL)");
        bed.peers(name);
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.%s
                """.formatted(table)).toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, Duration.ofSeconds(120));

        // Every value differs from the others; repeated text keeps the source's own storage small
        // (TOAST compresses it), while the stream sends each value whole.
        bed.source.execute("INSERT INTO " + table + " SELECT g, repeat(md5(g::text), " + VALUE_BYTES / 32 + ")"
                + " FROM generate_series(1, " + ROWS + ") g");

        MirrorTestBed.await("the 200 wide rows at the destination", Duration.ofMinutes(6), () -> {
            assertThat(worker.isAlive()).as("the worker is running (exit %s); its log:%n%s",
                    worker.isAlive() ? "-" : worker.exitValue(), tail()).isTrue();
            try {
                return count(bed.destination, "SELECT count(*) FROM " + table) == ROWS;
            } catch (SQLException e) {
                return false;
            }
        });
        String digest = "SELECT count(*) || ':' || sum(length(payload)) || ':' || md5(string_agg(md5(payload), ','"
                + " ORDER BY id)) FROM " + table;
        assertThat(text(bed.destination, digest)).isEqualTo(text(bed.source, digest))
                .startsWith(ROWS + ":" + (long) ROWS * VALUE_BYTES + ":");
        assertThat(tail()).doesNotContain("OutOfMemoryError");
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    private static String text(ScratchDatabase db, String query) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String tail() {
        try {
            return lastLines();
        } catch (java.io.IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private static String lastLines() throws java.io.IOException {
        Path log = state.resolve("worker.log");
        if (!Files.exists(log)) {
            return "(no log)";
        }
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
