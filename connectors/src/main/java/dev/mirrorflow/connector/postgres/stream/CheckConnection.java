package dev.mirrorflow.connector.postgres.stream;

import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source connection that a stream's periodic checks ({@link SourceTableWatch}, {@link
 * PartitionTreeWatch}) run their queries on: opened on the first check and kept between checks,
 * so that a check every few seconds is one query and not a new session (a login, a server process)
 * each time, which was most of what an idle mirror's activity thread cost. A check that fails on it
 * closes it, and the next check opens another. Used from one thread (the stream's activity).
 */
public final class CheckConnection implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CheckConnection.class);

    /** What a check does on the connection. */
    public interface Check<T> {
        T run(Connection connection) throws SQLException;
    }

    private final SourceTableWatch.SourceConnections source;
    private Connection connection;

    public CheckConnection(SourceTableWatch.SourceConnections source) {
        this.source = source;
    }

    /** Runs {@code check} on the kept connection, opening one first if there is none. */
    public <T> T run(Check<T> check) throws SQLException {
        if (connection == null) {
            connection = source.connect();
        }
        try {
            return check.run(connection);
        } catch (SQLException e) {
            // The session may be broken (a restarted server, a cut network): a new one next time.
            close();
            throw e;
        }
    }

    @Override
    public void close() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                log.debug("closing the source connection of the stream's checks: {}", e.getMessage());
            }
        }
    }
}
