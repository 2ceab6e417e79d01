package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.count;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A table whose name needs double quotes, with an excluded quoted column, mirrored through the
 * CLI and a worker in this JVM: the spec names it as a YAML string, the load and the stream copy
 * it exactly, and dropping the mirror drops its destination table.
 */
class QuotedTableMirrorIT extends WorkerTestClass {

    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(60);
    private static final String COLUMNS = "\"Order Id\", \"Note\", \"say \"\"hi\"\"\"";


    @Test
    void shouldMirrorAQuotedTableWithoutItsExcludedQuotedColumn() throws Exception {
        String name = "quoted_" + ScratchDatabase.randomSuffix();
        bed.source.execute("CREATE SCHEMA \"Sales\"",
                "CREATE TABLE \"Sales\".\"Order Items\" (\"Order Id\" int PRIMARY KEY, \"Qty Value\" numeric(10,2),"
                        + " \"Note\" text, \"say \"\"hi\"\"\" text)",
                "INSERT INTO \"Sales\".\"Order Items\" SELECT g, g * 1.5, 'Note ' || g, 'hi ' || g"
                        + " FROM generate_series(1, 300) g");
        bed.peers(name);
        Path spec = bed.mirrorSpec(name, """
                tables:
                  - source: '"Sales"."Order Items"'
                    destination: '"Archive"."Order Items"'
                    exclude: ['"Qty Value"']
                idleTimeout: 200ms
                """.formatted(name));
        bed.ok("mirror", "create", "-f", spec.toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);

        bed.source.execute("INSERT INTO \"Sales\".\"Order Items\" VALUES (1001, 2.00, 'new', 'new \"hi\"')",
                "UPDATE \"Sales\".\"Order Items\" SET \"Note\" = 'changed', \"Qty Value\" = 0 WHERE \"Order Id\" % 3 = 0",
                "UPDATE \"Sales\".\"Order Items\" SET \"Order Id\" = 5000 WHERE \"Order Id\" = 10",
                "DELETE FROM \"Sales\".\"Order Items\" WHERE \"Order Id\" % 7 = 0");
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");

        String order = " ORDER BY \"Order Id\"";
        assertThat(rows(bed.destination, "SELECT * FROM \"Archive\".\"Order Items\"" + order))
                .hasSize(300 + 1 - 43)
                .isEqualTo(rows(bed.source, "SELECT " + COLUMNS + " FROM \"Sales\".\"Order Items\"" + order));
        assertThat(count(bed.destination, "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'Archive'"
                + " AND table_name = 'Order Items' AND column_name = 'Qty Value'")).as("the excluded column").isZero();
        assertThat(bed.ok("mirror", "status", name).out()).contains("RUNNING");

        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
        assertThat(count(bed.destination, "SELECT count(*) FROM pg_tables WHERE schemaname = 'Archive'"
                + " AND tablename = 'Order Items'")).as("the destination table dropped").isZero();
        assertThat(count(bed.source, "SELECT count(*) FROM \"Sales\".\"Order Items\"")).as("the source untouched")
                .isEqualTo(300 + 1 - 43);
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
