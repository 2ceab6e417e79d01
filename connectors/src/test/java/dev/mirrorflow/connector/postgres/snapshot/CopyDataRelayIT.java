package dev.mirrorflow.connector.postgres.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.ScratchDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

/**
 * The relay that forwards a binary COPY's messages from one pgjdbc connection to another, against
 * real PostgreSQL: rows larger than its chunk, messages other than rows in the middle of the
 * stream, an error on either side, and both connections usable afterwards.
 */
class CopyDataRelayIT {

    private ScratchDatabase sourceDatabase;
    private ScratchDatabase destinationDatabase;

    @BeforeEach
    void createDatabases() throws SQLException {
        sourceDatabase = ScratchDatabase.create("mf_relay_src");
        destinationDatabase = ScratchDatabase.create("mf_relay_dst");
        sourceDatabase.execute("CREATE TABLE t (id bigint, v text)",
                "INSERT INTO t SELECT g, CASE WHEN g % 100 = 0 THEN repeat(md5(g::text), 20000) ELSE md5(g::text) END"
                        + " FROM generate_series(1, 5000) g",
                // A NOTICE every 1000 rows: a message that is not a row, in the middle of the copy.
                "CREATE FUNCTION noisy(i bigint) RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN"
                        + " IF i % 1000 = 0 THEN RAISE NOTICE 'row %', i; END IF; RETURN i; END $$",
                "CREATE FUNCTION failing(i bigint) RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN"
                        + " IF i = 3000 THEN RAISE EXCEPTION 'source fails at row %', i; END IF; RETURN i; END $$");
        destinationDatabase.execute("CREATE TABLE t (id bigint PRIMARY KEY, v text)");
    }

    @AfterEach
    void dropDatabases() {
        sourceDatabase.close();
        destinationDatabase.close();
    }

    @Test
    void shouldForwardEveryRowIncludingRowsLargerThanTheChunkAndRowsAfterNotices() throws Exception {
        try (Connection source = sourceDatabase.connect(); Connection destination = destinationDatabase.connect()) {
            destination.setAutoCommit(false);
            CopyDataRelay.Moved moved = relay(source, destination,
                    "COPY (SELECT noisy(id), v FROM t) TO STDOUT (FORMAT binary)", new byte[64 * 1024]);
            destination.commit();

            assertThat(moved.rows()).isEqualTo(5000);
            assertThat(moved.bytes()).isPositive();
            assertThat(SnapshotFixture.queryLong(destination, "SELECT count(*) FROM t")).isEqualTo(5000);
            assertThat(checksum(destination)).isEqualTo(checksum(source));
            // Both connections go on as usual.
            assertThat(SnapshotFixture.queryLong(source, "SELECT 7")).isEqualTo(7);
            assertThat(SnapshotFixture.queryLong(destination, "SELECT 8")).isEqualTo(8);
        }
    }

    @Test
    void shouldRaiseTheSourcesErrorAndLeaveBothConnectionsUsable() throws Exception {
        try (Connection source = sourceDatabase.connect(); Connection destination = destinationDatabase.connect()) {
            destination.setAutoCommit(false);
            CopyOut out = source.unwrap(PGConnection.class).getCopyAPI()
                    .copyOut("COPY (SELECT failing(id), v FROM t ORDER BY id) TO STDOUT (FORMAT binary)");
            CopyIn in = destination.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("COPY t FROM STDIN (FORMAT binary)");
            assertThatThrownBy(() -> CopyDataRelay.between(source, destination).orElseThrow()
                    .relay(out, in, new byte[64 * 1024]))
                    .isInstanceOf(SQLException.class).hasMessageContaining("source fails at row 3000");
            assertThat(out.isActive()).isFalse();
            in.cancelCopy();
            destination.rollback();

            assertThat(SnapshotFixture.queryLong(source, "SELECT 7")).isEqualTo(7);
            assertThat(SnapshotFixture.queryLong(destination, "SELECT count(*) FROM t")).isZero();
        }
    }

    @Test
    void shouldRaiseTheDestinationsErrorWhenItEndsItsCopy() throws Exception {
        destinationDatabase.execute("INSERT INTO t VALUES (4000, 'already there')");
        try (Connection source = sourceDatabase.connect(); Connection destination = destinationDatabase.connect()) {
            destination.setAutoCommit(false);
            assertThatThrownBy(() -> relay(source, destination, "COPY t TO STDOUT (FORMAT binary)", new byte[8192]))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
            destination.rollback();

            assertThat(SnapshotFixture.queryLong(source, "SELECT 7")).isEqualTo(7);
            assertThat(SnapshotFixture.queryLong(destination, "SELECT count(*) FROM t")).isEqualTo(1);
        }
    }

    private static CopyDataRelay.Moved relay(Connection source, Connection destination, String copyOut, byte[] chunk)
            throws SQLException {
        CopyOut out = source.unwrap(PGConnection.class).getCopyAPI().copyOut(copyOut);
        CopyIn in = destination.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY t FROM STDIN (FORMAT binary)");
        return CopyDataRelay.between(source, destination).orElseThrow().relay(out, in, chunk);
    }

    private static String checksum(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                var rs = st.executeQuery("SELECT count(*) || ':' || md5(string_agg(id || '=' || md5(v), ',' ORDER BY id))"
                        + " FROM t")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
