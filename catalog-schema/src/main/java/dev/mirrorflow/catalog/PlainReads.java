package dev.mirrorflow.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jooq.exception.DataAccessException;

/**
 * Plain JDBC for the few reads a short command makes and nothing else (mirror list, peer list,
 * mirror status): a process's first jOOQ query costs more than the rest of such a command after
 * connecting, because jOOQ starts by registering the data types of every dialect it knows.
 * Failures are jOOQ's {@link DataAccessException}, like those of every other repository method.
 */
final class PlainReads {

    /** One row of a result, read from its current position. */
    interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private PlainReads() {}

    static <T> List<T> list(DataSource dataSource, String sql, RowReader<T> reader, Object... parameters) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                s.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rs = s.executeQuery()) {
                List<T> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(reader.read(rs));
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new DataAccessException("SQL [" + sql + "]; " + e.getMessage(), e);
        }
    }

    /** The first row of the result, if there is one. */
    static <T> Optional<T> first(DataSource dataSource, String sql, RowReader<T> reader, Object... parameters) {
        List<T> rows = list(dataSource, sql, reader, parameters);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    /** The one row of a result that always has one (an aggregate). */
    static <T> T single(DataSource dataSource, String sql, RowReader<T> reader, Object... parameters) {
        return first(dataSource, sql, reader, parameters).orElseThrow(
                () -> new DataAccessException("SQL [" + sql + "]; no row where one was expected"));
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        return Timestamps.instant(rs.getObject(column, OffsetDateTime.class));
    }
}
