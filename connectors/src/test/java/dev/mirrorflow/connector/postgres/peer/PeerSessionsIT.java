package dev.mirrorflow.connector.postgres.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.postgres.ScratchPeers;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Inside a {@link PeerSessions} scope a series of steps logs in to a peer once, and every step
 * still gets a session as a new one would be: outside a transaction, read-write, not one another
 * step holds; the scope's end closes its sessions on the server.
 */
class PeerSessionsIT {

    private ScratchDatabase db;
    private PostgresPeer peer;

    @BeforeEach
    void database() throws SQLException {
        db = ScratchDatabase.create("sessions");
        db.execute("CREATE TABLE t (id int PRIMARY KEY)");
        peer = ScratchPeers.of(db);
    }

    @AfterEach
    void drop() {
        db.close();
    }

    @Test
    void shouldLogInOnceForStepsOneAfterAnotherAndCloseTheSessionAtTheScopesEnd() throws SQLException {
        int serverPid;
        try (PeerSessions sessions = PeerSessions.open()) {
            serverPid = backendPid(peer);
            assertThat(backendPid(peer)).isEqualTo(serverPid);
            assertThat(backendPid(peer.withDatabase(db.name()))).as("an equal peer").isEqualTo(serverPid);
            assertThat(sessions.sessionsOpened()).isEqualTo(1);
            assertThat(sessionsOf(serverPid)).isEqualTo(1);
        }
        assertThat(sessionsOf(serverPid)).as("closed with the scope").isZero();
        // Without a scope every connect() logs in anew.
        int outside = backendPid(peer);
        assertThat(outside).isNotEqualTo(serverPid);
        assertThat(backendPid(peer)).isNotEqualTo(outside);
    }

    @Test
    void shouldGiveTwoStepsHoldingTheSamePeerAtOnceTwoSessions() throws SQLException {
        try (PeerSessions sessions = PeerSessions.open();
                Connection first = peer.connect();
                Connection second = peer.connect()) {
            assertThat(pid(first)).isNotEqualTo(pid(second));
            assertThat(sessions.sessionsOpened()).isEqualTo(2);
        }
    }

    @Test
    void shouldRollBackWhatAStepLeftOpenAndHandTheNextStepAReadWriteSessionInAutocommit() throws SQLException {
        try (PeerSessions sessions = PeerSessions.open()) {
            int pid;
            try (Connection c = peer.connect(); Statement s = c.createStatement()) {
                pid = pid(c);
                c.setAutoCommit(false);
                s.execute("INSERT INTO t VALUES (1)");
                // given back without a commit
            }
            try (Connection c = peer.connect()) {
                assertThat(pid(c)).isEqualTo(pid);
                c.setReadOnly(true);
            }
            try (Connection c = peer.connect(); Statement s = c.createStatement()) {
                assertThat(pid(c)).isEqualTo(pid);
                assertThat(c.getAutoCommit()).isTrue();
                assertThat(c.isReadOnly()).isFalse();
                s.execute("INSERT INTO t VALUES (2)");
            }
        }
        try (Connection c = peer.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT string_agg(id::text, ',' ORDER BY id) FROM t")) {
            rs.next();
            assertThat(rs.getString(1)).as("the open transaction rolled back, the next step's row committed").isEqualTo("2");
        }
    }

    @Test
    void shouldLogInAnewAfterTheSessionItLentDiedAndRefuseUseOfOneGivenBack() throws SQLException {
        try (PeerSessions sessions = PeerSessions.open()) {
            int dead;
            Connection givenBack;
            try (Connection c = peer.connect()) {
                dead = pid(c);
                givenBack = c;
            }
            assertThat(givenBack.isClosed()).isTrue();
            assertThatThrownBy(givenBack::createStatement).isInstanceOf(SQLException.class);
            terminate(dead);
            // The driver notices only when the next step uses the session: that step fails, as
            // with a session of its own, and the scope does not lend the session again.
            assertThatThrownBy(() -> backendPid(peer)).isInstanceOf(SQLException.class);
            assertThat(backendPid(peer)).isNotEqualTo(dead);
            assertThat(sessions.sessionsOpened()).isEqualTo(1);
        }
    }

    private static int backendPid(PostgresPeer peer) throws SQLException {
        try (Connection c = peer.connect()) {
            return pid(c);
        }
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Sessions of that server process; a closed one may take the server a moment to end. */
    /** Through a session of the test's own (not a peer's), so that no scope lends it. */
    private int sessionsOf(int pid) throws SQLException {
        for (int i = 0; i < 100 && count(pid) > 0; i++) {
            sleep();
        }
        return count(pid);
    }

    private int count(int pid) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private void terminate(int pid) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(" + pid + ")");
        }
        assertThat(sessionsOf(pid)).isZero();
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
