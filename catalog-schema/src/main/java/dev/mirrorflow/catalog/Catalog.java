package dev.mirrorflow.catalog;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;

/**
 * The mirrorflow catalog: a connection pool to it, its migrations, and its repositories.
 * Opening a catalog migrates it when it is behind, so every worker and CLI start brings the schema
 * up to date.
 */
public final class Catalog implements AutoCloseable {

    private final HikariDataSource dataSource;
    private final DSLContext dsl;

    private Catalog(HikariDataSource dataSource) {
        this.dataSource = dataSource;
        this.dsl = DSL.using(dataSource, SQLDialect.POSTGRES, new Settings().withExecuteLogging(false));
    }

    /**
     * Connects, migrates unless the schema is current, and returns the catalog.
     *
     * @throws CatalogUnavailableException with a one-line, secret-free message when the catalog
     *     cannot be reached or migrated
     */
    public static Catalog open(CatalogConfig config) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(config.jdbcUrl());
        hc.setUsername(config.user());
        hc.setPassword(config.password());
        hc.setPoolName("mirrorflow-catalog");
        hc.setMaximumPoolSize(8);
        hc.setMinimumIdle(0);
        hc.setConnectionTimeout(10_000);
        // Fail at once with the driver's own reason instead of waiting for the pool to give up.
        hc.setInitializationFailTimeout(1);
        hc.addDataSourceProperty("ApplicationName", "mirrorflow-catalog");
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw CatalogUnavailableException.connecting(config, e);
        }
        try {
            CatalogMigrations.migrateUnlessCurrent(ds);
            return new Catalog(ds);
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
    }

    public DSLContext dsl() {
        return dsl;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** A plain JDBC connection from the pool, for the rare statement jOOQ does not express. */
    public Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    public PeerRepository peers() {
        return new PeerRepository(dsl);
    }

    public MirrorRepository mirrors() {
        return new MirrorRepository(dsl);
    }

    public SnapshotPartitionRepository snapshotPartitions() {
        return new SnapshotPartitionRepository(dsl);
    }

    public SourceTableRepository sourceTables() {
        return new SourceTableRepository(dsl);
    }

    public SourcePartitionRepository sourcePartitions() {
        return new SourcePartitionRepository(dsl);
    }

    public CdcBatchRepository cdcBatches() {
        return new CdcBatchRepository(dsl);
    }

    public SourceCheckpointRepository sourceCheckpoints() {
        return new SourceCheckpointRepository(dsl);
    }

    public SettingsRepository settings() {
        return new SettingsRepository(dsl);
    }

    public MaintenanceRepository maintenance() {
        return new MaintenanceRepository(dsl);
    }

    public WorkerRepository workers() {
        return new WorkerRepository(dsl);
    }

    public MirrorWorkerRepository mirrorWorkers() {
        return new MirrorWorkerRepository(dsl);
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
