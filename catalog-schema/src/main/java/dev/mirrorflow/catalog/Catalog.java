package dev.mirrorflow.catalog;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.tools.jdbc.SingleConnectionDataSource;

/**
 * The mirrorflow catalog: a connection pool to it, its migrations, and its repositories.
 * Opening a catalog migrates it when it is behind, so every worker and CLI start brings the schema
 * up to date.
 */
public final class Catalog implements AutoCloseable {

    private static final int CONNECT_TIMEOUT_SECONDS = 10;

    private final DataSource dataSource;
    private final AutoCloseable resources;
    /** Made on first use: jOOQ's start (its data types of every dialect) is a good part of a short command's time. */
    private DSLContext dsl;

    private Catalog(DataSource dataSource, AutoCloseable resources) {
        this.dataSource = dataSource;
        this.resources = resources;
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
        hc.setConnectionTimeout(CONNECT_TIMEOUT_SECONDS * 1000L);
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
            return new Catalog(ds, ds);
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
    }

    /**
     * Like {@link #open}, but over one connection and no pool, for a short command that reads the
     * catalog on one thread and ends (mirror list, mirror status, peer list): a pool's start, its
     * housekeeping thread and its logging are a good part of such a command's time. Every statement
     * runs on that connection, so it must not be shared between threads.
     *
     * @throws CatalogUnavailableException as {@link #open} does
     */
    public static Catalog openForOneCommand(CatalogConfig config) {
        return openForOneCommand(config, connectForOneCommand(config));
    }

    /**
     * The login {@link #openForOneCommand(CatalogConfig)} makes, alone: a command may log in on
     * another thread while it parses its arguments, and then {@linkplain
     * #openForOneCommand(CatalogConfig, Connection) open} the catalog over that connection.
     *
     * @throws CatalogUnavailableException with a one-line, secret-free message when the catalog
     *     cannot be reached
     */
    public static Connection connectForOneCommand(CatalogConfig config) {
        Properties properties = new Properties();
        properties.setProperty("user", config.user());
        properties.setProperty("password", config.password());
        properties.setProperty("ApplicationName", "mirrorflow-catalog");
        properties.setProperty("loginTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        try {
            return DriverManager.getConnection(config.jdbcUrl(), properties);
        } catch (SQLException | RuntimeException e) {
            throw CatalogUnavailableException.connecting(config, e);
        }
    }

    /**
     * {@link #openForOneCommand(CatalogConfig)} over a connection {@link #connectForOneCommand}
     * made with the same {@code config}; the catalog owns it from here and closes it.
     */
    public static Catalog openForOneCommand(CatalogConfig config, Connection connection) {
        DataSource ds = new SingleConnectionDataSource(connection);
        boolean current;
        try {
            current = CatalogMigrations.isCurrent(ds);
        } catch (RuntimeException e) {
            closeQuietly(connection);
            throw e;
        }
        if (!current) {
            // Migrating is rare (once per upgrade) and Flyway wants connections of its own: the
            // pooled way does it exactly as every other command does.
            closeQuietly(connection);
            return open(config);
        }
        return new Catalog(ds, connection);
    }

    /** No mirror has this name: a space is not allowed in one. */
    private static final String WARM_UP_NAME = "mirrorflow warm-up";

    /** Ends {@link #warmUp}'s transaction by rolling it back. */
    private static final class WarmUpRollback extends RuntimeException {
        WarmUpRollback() {
            super(null, null, false, false);
        }
    }

    /**
     * Runs the kinds of statement a worker's first activities run (jOOQ's reads of mirrors and
     * events, a transaction that updates, the pool's and the driver's paths), so that they are
     * ready before a first mirror waits for them: read-only, and the one update matches no row and
     * is rolled back. Against the catalog's pool; a failure is the caller's to ignore.
     */
    public void warmUp() {
        mirrors().findLive(WARM_UP_NAME);
        mirrors().findLatest(WARM_UP_NAME);
        mirrors().hasPhaseChange(-1, WARM_UP_NAME);
        mirrors().history(-1, 1);
        cdcBatches().totals(-1);
        // The insert of an event is rendered, not run (no mirror has the id).
        var events = dev.mirrorflow.catalog.jooq.Tables.MIRROR_EVENTS;
        var insert = dsl().insertInto(events)
                .set(events.MIRROR_ID, -1L)
                .set(events.KIND, MirrorEvent.Kind.PHASE.name())
                .set(events.PHASE, MirrorPhase.SETUP.name())
                .set(events.REASON, WARM_UP_NAME)
                .set(events.ERROR, (String) null)
                .set(events.DETAILS, org.jooq.JSONB.valueOf("{}"))
                .set(events.IDEMPOTENCY_KEY, WARM_UP_NAME)
                .onConflictDoNothing();
        insert.getSQL();
        insert.getBindValues();
        try {
            dsl().transaction(tx -> {
                tx.dsl().update(dev.mirrorflow.catalog.jooq.Tables.MIRRORS)
                        .set(dev.mirrorflow.catalog.jooq.Tables.MIRRORS.UPDATED_AT, DSL.currentOffsetDateTime())
                        .where(dev.mirrorflow.catalog.jooq.Tables.MIRRORS.ID.eq(-1L))
                        .execute();
                throw new WarmUpRollback();
            });
        } catch (WarmUpRollback expected) {
            // Nothing was changed.
        }
    }

    public synchronized DSLContext dsl() {
        if (dsl == null) {
            dsl = DSL.using(dataSource, SQLDialect.POSTGRES, new Settings().withExecuteLogging(false));
        }
        return dsl;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /**
     * A plain JDBC connection from the pool, for the rare statement jOOQ does not express. Of a
     * catalog opened {@link #openForOneCommand for one command}, it is that command's connection,
     * and closing it leaves it open.
     */
    public Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    public PeerRepository peers() {
        return new PeerRepository(this::dsl, dataSource);
    }

    public MirrorRepository mirrors() {
        return new MirrorRepository(this::dsl, dataSource);
    }

    public SnapshotPartitionRepository snapshotPartitions() {
        return new SnapshotPartitionRepository(this::dsl, dataSource);
    }

    public SourceTableRepository sourceTables() {
        return new SourceTableRepository(dsl());
    }

    public SourcePartitionRepository sourcePartitions() {
        return new SourcePartitionRepository(dsl());
    }

    public CdcBatchRepository cdcBatches() {
        return new CdcBatchRepository(this::dsl, dataSource);
    }

    public SourceCheckpointRepository sourceCheckpoints() {
        return new SourceCheckpointRepository(dsl());
    }

    public SettingsRepository settings() {
        return new SettingsRepository(dsl());
    }

    public MaintenanceRepository maintenance() {
        return new MaintenanceRepository(dsl());
    }

    public WorkerRepository workers() {
        return new WorkerRepository(dsl());
    }

    public MirrorWorkerRepository mirrorWorkers() {
        return new MirrorWorkerRepository(this::dsl, dataSource);
    }

    @Override
    public void close() {
        try {
            resources.close();
        } catch (Exception e) {
            // Closing a pool throws nothing checked; a connection that fails to close is gone anyway.
        }
    }

    private static void closeQuietly(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // The connection is given up either way; the error that made us give it up is what matters.
        }
    }
}
