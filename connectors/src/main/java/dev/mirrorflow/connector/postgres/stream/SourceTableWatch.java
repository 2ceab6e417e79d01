package dev.mirrorflow.connector.postgres.stream;

import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.postgres.SourceConfigurationException;
import dev.mirrorflow.connector.postgres.setup.SourceTableLookup;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks now and then, while a mirror streams, that the source tables it follows still exist. A
 * dropped table sends nothing down the replication stream (a table created again under its name
 * is another table, which the publication may not even have), so without this check the mirror
 * would go on as if the table were just quiet. A dropped table fails the mirror with one line
 * that says to resync.
 */
public final class SourceTableWatch {

    private static final Logger log = LoggerFactory.getLogger(SourceTableWatch.class);

    /** A table the mirror follows: its spec name and the name it last had. */
    public record Watched(TableId table, TableId knownName) {}

    public interface SourceConnections {
        Connection connect() throws SQLException;
    }

    private final String mirror;
    private final CheckConnection source;
    private final Map<Long, Watched> byOid;
    private final long intervalNanos;
    private long lastCheckNanos = System.nanoTime();

    public SourceTableWatch(String mirror, CheckConnection source, Map<Long, Watched> byOid, Duration interval) {
        this.mirror = mirror;
        this.source = source;
        this.byOid = new LinkedHashMap<>(byOid);
        this.intervalNanos = interval.toNanos();
    }

    /** The table is now known under another name (a rename was recorded). */
    public void renamed(TableId table, TableId newName) {
        byOid.replaceAll((oid, w) -> w.table().equals(table) ? new Watched(table, newName) : w);
    }

    /** Checks when the interval has passed since the last check. */
    public void checkIfDue() {
        long now = System.nanoTime();
        if (now - lastCheckNanos < intervalNanos || byOid.isEmpty()) {
            return;
        }
        lastCheckNanos = now;
        try {
            source.run(c -> {
                SourceTableLookup tables = new SourceTableLookup(c);
                List<Long> missing = tables.missing(new ArrayList<>(byOid.keySet()));
                if (!missing.isEmpty()) {
                    long oid = missing.get(0);
                    Watched w = byOid.get(oid);
                    throw new SourceConfigurationException(SourceConfigurationException.Problem.TABLE_MISSING,
                            tables.droppedMessage(mirror, w.table(), w.knownName(), oid), null);
                }
                return null;
            });
        } catch (SQLException e) {
            // The stream itself notices an unreachable source; this check tries again next time.
            log.debug("mirror {}: could not check that the source tables still exist: {}", mirror, e.getMessage());
        }
    }
}
