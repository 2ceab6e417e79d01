package dev.mirrorflow.catalog;

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

    private static final Logger log = LoggerFactory.getLogger(CatalogMigrations.class);

    private CatalogMigrations() {}

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
