package dev.mirrorflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariConfig;
import dev.mirrorflow.catalog.jooq.Mirrorflow;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.tools.jdbc.MockConnection;
import org.jooq.tools.jdbc.MockResult;

/**
 * Loads the classes most commands use, so that the class-data-sharing archive the launcher makes
 * with the first command after a build holds them whichever command that was: mirror list and
 * peer list load neither jOOQ nor logging, and a mirror status after an archive made by them would
 * read every one of those classes from the jar (twice as slow as with them archived). The launcher
 * asks for it with {@value #PROPERTY} on that first command only; it needs no database.
 */
final class ArchiveWarmUp {

    static final String PROPERTY = "mirrorflow.archive.warmup";

    private ArchiveWarmUp() {}

    private static final java.util.concurrent.atomic.AtomicBoolean JOOQ_STARTED = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Starts jOOQ's own start (its static data type tables for every dialect, rendering, binding:
     * a third of a second of a command that writes the catalog) on a thread of its own, so that it
     * runs beside the JVM's and the catalog connection's start instead of after them. Once per JVM;
     * the command's first jOOQ statement waits for what is not done yet.
     */
    static void startJooqInBackground() {
        if (!JOOQ_STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread thread = new Thread(() -> {
            try {
                Table<?> table = Mirrorflow.MIRRORFLOW.MIRRORS;
                Record row = DSL.using(SQLDialect.POSTGRES).newRecord(table);
                DSL.using(new MockConnection(ctx -> new MockResult[] {new MockResult(row)}), SQLDialect.POSTGRES,
                        new Settings().withExecuteLogging(false))
                        .selectFrom(table).where(DSL.noCondition()).orderBy(table.field(0)).limit(1).fetch();
            } catch (Throwable e) {
                // Only an optimisation: the command's own statements load what this did not.
            }
        }, "mirrorflow-cli-jooq-start");
        thread.setDaemon(true);
        thread.start();
    }

    static boolean requested() {
        return Boolean.getBoolean(PROPERTY);
    }

    /**
     * Never throws: a class it could not load is only a class the archive will not hold.
     *
     * @return whether every step ran (the tests hold it so)
     */
    static boolean loadCommonClasses() {
        try {
            org.slf4j.LoggerFactory.getILoggerFactory();
            new HikariConfig();
            JsonNode json = CliJson.INDENTED.readTree("{\"a\": [1, \"b\", true, null, 1.5]}");
            CliJson.INDENTED.writeValueAsString(json);
            // Each catalog table read once from a connection that answers with one empty row:
            // rendering, binding and fetching load what a first catalog query does.
            DSLContext records = DSL.using(SQLDialect.POSTGRES);
            for (Table<?> table : Mirrorflow.MIRRORFLOW.getTables()) {
                Record row = records.newRecord(table);
                DSLContext mock = DSL.using(new MockConnection(ctx -> new MockResult[] {
                    new MockResult(row)}), SQLDialect.POSTGRES, new Settings().withExecuteLogging(false));
                if (mock.selectFrom(table).where(DSL.noCondition()).orderBy(table.field(0)).limit(1).fetch().size() != 1) {
                    return false;
                }
            }
            return true;
        } catch (Throwable e) {
            // The command has run already; warming up is an optimisation of the next ones.
            return false;
        }
    }
}
