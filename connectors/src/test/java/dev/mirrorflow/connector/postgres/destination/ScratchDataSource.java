package dev.mirrorflow.connector.postgres.destination;

import dev.mirrorflow.catalog.ScratchDatabase;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** A plain pgjdbc data source for a scratch database of the dev environment. */
final class ScratchDataSource {

    private ScratchDataSource() {
    }

    static DataSource of(ScratchDatabase database) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(database.jdbcUrl());
        dataSource.setUser(ScratchDatabase.USER);
        dataSource.setPassword(ScratchDatabase.PASSWORD);
        return dataSource;
    }
}
