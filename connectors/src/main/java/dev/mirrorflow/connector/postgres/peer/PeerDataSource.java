package dev.mirrorflow.connector.postgres.peer;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/** A {@link DataSource} that opens connections with a peer's settings, TLS and timeouts included. */
public final class PeerDataSource implements DataSource {

    private final PostgresPeer peer;

    public PeerDataSource(PostgresPeer peer) {
        this.peer = peer;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return peer.connect();
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        return peer.withLogin(user, password).connect();
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return false;
    }

    @Override
    public String toString() {
        return "PeerDataSource[" + peer.location() + "]";
    }
}
