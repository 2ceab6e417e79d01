package dev.mirrorflow.catalog;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog's Flyway migrations. This class must not use the generated jOOQ code:
 * scripts/jooq-codegen.sh compiles it on its own to migrate the database it generates from.
 */
public final class CatalogMigrations {

    /**
     * The version of the newest migration in {@code db/migration}. CatalogMigrationsTest fails the
     * build when a migration is added without raising it.
     */
    static final int NEWEST_VERSION = 6;

    private CatalogMigrations() {}

    /**
     * Migrates the catalog unless it already is at {@link #NEWEST_VERSION} (or newer, from a newer
     * mirrorflow) with no failed migration. The check is one query on a table Flyway keeps; it spares
     * every CLI command Flyway's classpath scan and its validation, most of a command's start time.
     */
    public static void migrateUnlessCurrent(DataSource dataSource) {
        if (!isCurrent(dataSource)) {
            migrate(dataSource);
        }
    }

    /** Whether every migration up to {@link #NEWEST_VERSION} was applied and none failed. */
    static boolean isCurrent(DataSource dataSource) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce(bool_and(success), false),"
                        + " coalesce(max(version::int) FILTER (WHERE success), 0)"
                        + " FROM " + CatalogConfig.SCHEMA + ".flyway_schema_history WHERE version ~ '^[0-9]+$'")) {
            rs.next();
            return rs.getBoolean(1) && rs.getInt(2) >= NEWEST_VERSION;
        } catch (SQLException e) {
            // No history table yet (a new catalog) or no access to it: Flyway decides and explains.
            return false;
        }
    }

    /**
     * Brings the catalog schema to the newest migration. Flyway holds a PostgreSQL advisory
     * lock while it migrates, so two processes starting at once do not both apply a migration.
     */
    public static MigrateResult migrate(DataSource dataSource) {
        try {
            MigrateResult result = Flyway.configure()
                    .dataSource(dataSource)
                    .schemas(CatalogConfig.SCHEMA)
                    .defaultSchema(CatalogConfig.SCHEMA)
                    .createSchemas(true)
                    .locations("classpath:db/migration")
                    .failOnMissingLocations(true)
                    .load()
                    .migrate();
            if (result.migrationsExecuted > 0) {
                // The logger is looked up here, not held in a field: a command that finds the schema
                // current does not start logging because of this class.
                Logger log = LoggerFactory.getLogger(CatalogMigrations.class);
                log.info("catalog migrated to version {} ({} migrations applied)",
                        result.targetSchemaVersion, result.migrationsExecuted);
            }
            return result;
        } catch (RuntimeException e) {
            throw new CatalogUnavailableException("could not migrate the catalog: "
                    + CatalogUnavailableException.rootMessage(e)
                    + "; check that the catalog user may create schemas and tables", e);
        }
    }
}
