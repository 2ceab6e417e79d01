package dev.mirrorflow.connector.postgres.slot;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.connector.Heartbeat;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an activity alive, and the user informed, while PostgreSQL creates a logical
 * replication slot: creation waits until every transaction that was running at the source when
 * it began has ended, which on a busy database with a long transaction can take as long as that
 * transaction. Without heartbeats meanwhile the activity would time out after a minute and be
 * tried again behind its own first attempt; without a word the user would see a mirror stuck in
 * SETUP. So while it waits, this heartbeats, and after {@link #QUIET} it records on the mirror
 * which source transactions it waits for, as the mirror's last error (what `mirror status`
 * shows), until the slot exists.
 */
public final class SlotCreationWait {

    private static final Logger log = LoggerFactory.getLogger(SlotCreationWait.class);

    /** How long creation may take before the user hears what it waits for. */
    static final Duration QUIET = Duration.ofSeconds(5);

    private static final String RUNNING = """
            SELECT pid, coalesce(state, '?'), date_trunc('second', now() - xact_start)::text,
                   coalesce(nullif(usename, ''), '?'), coalesce(nullif(application_name, ''), '?')
              FROM pg_stat_activity
             WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() AND backend_type = 'client backend'
             ORDER BY xact_start
             LIMIT 3""";

    private final Catalog catalog;
    private final String mirror;
    private final PostgresPeer source;
    private final Heartbeat heartbeat;
    private final String waiting;

    /** @param waiting what waits, for the message: "creating replication slot mirrorflow_orders" */
    public SlotCreationWait(Catalog catalog, String mirror, PostgresPeer source, Heartbeat heartbeat, String waiting) {
        this.catalog = catalog;
        this.mirror = mirror;
        this.source = source;
        this.heartbeat = heartbeat;
        this.waiting = waiting;
    }

    public <T> T run(Supplier<T> creation) {
        ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = new Thread(task, "mirrorflow-slot-wait-" + mirror);
            t.setDaemon(true);
            return t;
        });
        long started = System.nanoTime();
        watch.scheduleWithFixedDelay(() -> {
            heartbeat.beat(null);
            if (System.nanoTime() - started >= QUIET.toNanos()) {
                report(Duration.ofNanos(System.nanoTime() - started));
            }
        }, 1, 1, TimeUnit.SECONDS);
        try {
            return creation.get();
        } finally {
            watch.shutdownNow();
        }
    }

    private long lastReport;

    private void report(Duration waited) {
        if (System.nanoTime() - lastReport < TimeUnit.SECONDS.toNanos(15)) {
            return;
        }
        lastReport = System.nanoTime();
        try {
            List<String> transactions = running(source);
            String message = "mirror " + mirror + ": " + waiting + " has waited " + waited.toSeconds() + " s for the transactions running at the source to end"
                    + (transactions.isEmpty() ? "" : " (oldest: " + String.join("; ", transactions) + ")")
                    + "; it goes on once they commit or roll back";
            log.info(message);
            catalog.mirrors().findLive(mirror)
                    .ifPresent(row -> catalog.mirrors().recordError(row.id(), message, null));
        } catch (RuntimeException | SQLException e) {
            log.debug("mirror {}: could not describe what slot creation waits for: {}", mirror, e.getMessage());
        }
    }

    private static List<String> running(PostgresPeer source) throws SQLException {
        List<String> found = new ArrayList<>();
        try (Connection c = source.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(RUNNING)) {
            while (rs.next()) {
                found.add("pid " + rs.getInt(1) + ", " + rs.getString(2) + " for " + rs.getString(3) + ", user "
                        + rs.getString(4) + ", application " + rs.getString(5));
            }
        }
        return found;
    }
}
