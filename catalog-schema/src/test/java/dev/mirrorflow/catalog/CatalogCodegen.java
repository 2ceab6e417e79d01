package dev.mirrorflow.catalog;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import org.jooq.codegen.GenerationTool;
import org.jooq.meta.jaxb.Configuration;
import org.jooq.meta.jaxb.Database;
import org.jooq.meta.jaxb.Generate;
import org.jooq.meta.jaxb.Generator;
import org.jooq.meta.jaxb.Jdbc;
import org.jooq.meta.jaxb.Logging;
import org.jooq.meta.jaxb.Target;

/**
 * Generates the committed jOOQ code from a live, freshly migrated database (generating from
 * the SQL files mistypes jsonb and text). scripts/jooq-codegen.sh runs {@link #main} to
 * rewrite the committed sources; CatalogCodegenDriftIT runs {@link #generate} into a temporary
 * directory and fails when the result differs from what is committed.
 */
public final class CatalogCodegen {

    public static final String PACKAGE = "dev.mirrorflow.catalog.jooq";

    static {
        // jOOQ greets with a banner and a tip of the day on first use; neither belongs in build output.
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
    }

    private CatalogCodegen() {}

    /** Migrates a scratch database and generates the jOOQ sources below {@code sourceRoot}. */
    public static void generate(Path sourceRoot) throws Exception {
        try (ScratchDatabase db = ScratchDatabase.create("mirrorflow_codegen")) {
            try (HikariDataSource ds = new HikariDataSource()) {
                ds.setJdbcUrl(db.jdbcUrl());
                ds.setUsername(ScratchDatabase.USER);
                ds.setPassword(ScratchDatabase.PASSWORD);
                CatalogMigrations.migrate(ds);
            }
            GenerationTool.generate(new Configuration()
                    .withLogging(Logging.WARN)
                    .withJdbc(new Jdbc()
                            .withDriver("org.postgresql.Driver")
                            .withUrl(db.jdbcUrl())
                            .withUser(ScratchDatabase.USER)
                            .withPassword(ScratchDatabase.PASSWORD))
                    .withGenerator(new Generator()
                            .withName("org.jooq.codegen.JavaGenerator")
                            .withDatabase(new Database()
                                    .withName("org.jooq.meta.postgres.PostgresDatabase")
                                    .withInputSchema(CatalogConfig.SCHEMA)
                                    .withExcludes("flyway_schema_history|mirror_events_append_only"))
                            .withGenerate(new Generate()
                                    .withGeneratedAnnotation(false)
                                    .withJavaTimeTypes(true)
                                    .withRecords(true)
                                    .withPojos(false)
                                    .withDaos(false)
                                    .withRoutines(false)
                                    .withComments(true))
                            .withTarget(new Target()
                                    .withPackageName(PACKAGE)
                                    .withDirectory(sourceRoot.toString())
                                    .withClean(true))));
        }
    }

    /** Rewrites the committed sources; the argument is the module's source root. */
    public static void main(String[] args) throws Exception {
        Path sourceRoot = Path.of(args.length > 0 ? args[0] : "src/main/java").toAbsolutePath();
        generate(sourceRoot);
        System.out.println("jOOQ sources regenerated below " + sourceRoot.resolve(PACKAGE.replace('.', '/')));
    }
}
