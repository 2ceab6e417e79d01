package dev.mirrorflow.connector.postgres.peer;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Opens a new connection to one database. The loader calls it once per worker and side, and
 * closes what it gets; a pool would only hold connections that stay busy for the whole load.
 */
@FunctionalInterface
public interface ConnectionFactory {

    Connection open() throws SQLException;
}
