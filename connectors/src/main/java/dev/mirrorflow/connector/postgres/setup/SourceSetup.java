package dev.mirrorflow.connector.postgres.setup;

import dev.mirrorflow.connector.postgres.slot.AcquiredSlot;
import dev.mirrorflow.connector.postgres.slot.ExportedSnapshot;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.SourceConfigurationException;
import dev.mirrorflow.connector.postgres.SourceFailureClassifier;
import dev.mirrorflow.connector.postgres.SourceOperation;
import dev.mirrorflow.connector.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates what a mirror needs on its PostgreSQL source, or verifies what is already there: the
 * publication naming the mirror's tables and the pgoutput replication slot. Both steps are safe to
 * repeat. Failures come out of {@link SourceFailureClassifier}.
 */
public final class SourceSetup {

    private static final Logger log = LoggerFactory.getLogger(SourceSetup.class);

    private SourceSetup() {}

    /**
     * Creates the mirror's publication {@code FOR TABLE} its tables if missing, otherwise adds the
     * tables it lacks. Tables the publication has beyond the mirror's are left in place: the
     * change stream ignores them, and the mirror's tables may be changing in a config update that
     * has not reached every worker yet.
     *
     * <p>The publication is created with {@code publish_via_partition_root}, so that the changes
     * of a partitioned table arrive under its own name rather than its partitions'. No table is
     * added before {@link SourceValidator#requireRowIdentity} accepted every table of the mirror:
     * PostgreSQL refuses UPDATE and DELETE on a published table without a replica identity, so
     * adding one would break the source application's writes.
     *
     * @return the tables added, all of them when the publication was created
     */
    public static List<TableId> ensurePublication(PostgresPeer peer, MirrorSource source) {
        SourceOperation op = new SourceOperation(
                "creating or updating publication " + source.publication(), peer, source.mirror(), null, null);
        String publication = TableId.quote(source.publication());
        try (Connection c = peer.connect()) {
            Optional<Boolean> allTables = publicationForAllTables(c, source.publication());
            if (allTables.isEmpty() || !allTables.get()) {
                SourceValidator.requireRowIdentity(c, source, op);
            }
            if (allTables.isEmpty()) {
                execute(c, "CREATE PUBLICATION " + publication + " FOR TABLE " + quoted(source.tables())
                        + " WITH (publish_via_partition_root = true)");
                log.info("created publication {} of mirror {} for {}", source.publication(), source.mirror(),
                        source.tables());
                return source.tables();
            }
            if (allTables.get()) {
                return List.of();
            }
            Set<TableId> present = publishedTables(c, source.publication());
            List<TableId> missing = source.tables().stream().filter(t -> !present.contains(t)).toList();
            if (!missing.isEmpty()) {
                execute(c, "ALTER PUBLICATION " + publication + " ADD TABLE " + quoted(missing));
                log.info("added {} to publication {} of mirror {}", missing, source.publication(), source.mirror());
            }
            return missing;
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, op);
        }
    }

    /**
     * Creates the acquired slot with {@code pgoutput} if it does not exist, exporting a snapshot
     * that matches the slot's consistent point. The snapshot stays importable while {@code slot}
     * stays open and runs no other command.
     *
     * <p>An existing slot is verified (plugin pgoutput, same database) and gives no snapshot: the
     * initial load then reads with a fresh snapshot, and replaying the slot from the destination's
     * checkpoint onto idempotent apply makes up the difference.
     */
    public static Optional<ExportedSnapshot> createSlotIfMissing(AcquiredSlot slot) {
        MirrorSource source = slot.source();
        SourceOperation op = SourceOperation.of("creating replication slot " + source.slot(), slot.peer(), source);
        Connection c = slot.connection();
        try {
            if (SourceValidator.slotExists(c, source, op)) {
                return Optional.empty();
            }
            String command =
                    "CREATE_REPLICATION_SLOT " + TableId.quote(source.slot()) + " LOGICAL pgoutput EXPORT_SNAPSHOT";
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(command)) {
                rs.next();
                ExportedSnapshot created = new ExportedSnapshot(
                        rs.getString("slot_name"), rs.getString("consistent_point"), rs.getString("snapshot_name"));
                log.info("created replication slot {} of mirror {} at {} with exported snapshot {}",
                        created.slot(), source.mirror(), created.consistentPoint(), created.snapshotName());
                return Optional.of(created);
            }
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, op);
        }
    }

    /**
     * Checks that the acquired slot still exists, for a mirror that has read from it: a slot
     * created anew would start at the source's current position and silently skip every change
     * made since the lost one's. Verifies an existing slot as {@link #createSlotIfMissing} does.
     *
     * @param lost what the mirror lost with the slot, for the message
     * @throws SourceConfigurationException ({@link SourceConfigurationException.Problem#SLOT_LOST},
     *     permanent) when the slot is gone
     */
    public static void requireSlot(AcquiredSlot slot, String lost) {
        MirrorSource source = slot.source();
        SourceOperation op = SourceOperation.of("checking replication slot " + source.slot(), slot.peer(), source);
        try {
            if (!SourceValidator.slotExists(slot.connection(), source, op)) {
                throw new SourceConfigurationException(SourceConfigurationException.Problem.SLOT_LOST,
                        "replication slot " + source.slot() + " of mirror " + source.mirror() + " no longer exists on "
                                + slot.peer().host() + ":" + slot.peer().port() + "/" + slot.peer().database() + ", so "
                                + lost + "; resync the mirror to load it again (mirrorflow mirror resync "
                                + source.mirror() + ")", null);
            }
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, op);
        }
    }

    /**
     * Drops the acquired slot if it exists; holding the slot's lock keeps every other mirrorflow
     * instance from using it meanwhile. The slot's WAL is released at once.
     */
    public static boolean dropSlotIfExists(AcquiredSlot slot) {
        MirrorSource source = slot.source();
        SourceOperation op = SourceOperation.of("dropping replication slot " + source.slot(), slot.peer(), source);
        try (Connection c = slot.peer().connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, source.slot());
            try (ResultSet rs = ps.executeQuery()) {
                boolean dropped = rs.next();
                if (dropped) {
                    log.info("dropped replication slot {} of mirror {}", source.slot(), source.mirror());
                }
                return dropped;
            }
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, op);
        }
    }

    /**
     * Takes tables a spec edit removed out of the mirror's own publication, so that the source
     * no longer decodes their changes for it. Tables the publication does not have are skipped.
     *
     * @return the tables taken out
     */
    public static List<TableId> removeFromPublication(PostgresPeer peer, MirrorSource source, List<TableId> tables) {
        SourceOperation op = new SourceOperation("updating publication " + source.publication(), peer,
                source.mirror(), null, null);
        try (Connection c = peer.connect()) {
            if (publicationForAllTables(c, source.publication()).orElse(true)) {
                return List.of();
            }
            Set<TableId> present = publishedTables(c, source.publication());
            List<TableId> leaving = tables.stream().filter(present::contains).toList();
            if (!leaving.isEmpty()) {
                execute(c, "ALTER PUBLICATION " + TableId.quote(source.publication()) + " DROP TABLE " + quoted(leaving));
                log.info("took {} out of publication {} of mirror {}", leaving, source.publication(), source.mirror());
            }
            return leaving;
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, op);
        }
    }

    /**
     * Waits until every transaction that is running at the source now has ended: after tables
     * joined the publication, so that a snapshot taken afterwards shows what such a transaction
     * wrote, which the stream does not carry (it wrote before the tables were published).
     */
    public static void awaitTransactionsRunningNow(PostgresPeer peer, MirrorSource source) {
        SourceOperation op = SourceOperation.of("waiting for the transactions running at the source", peer, source);
        try (Connection c = peer.connect(); Statement st = c.createStatement()) {
            long next;
            try (ResultSet rs = st.executeQuery("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")) {
                rs.next();
                next = rs.getLong(1);
            }
            while (true) {
                try (ResultSet rs = st.executeQuery("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")) {
                    rs.next();
                    if (rs.getLong(1) >= next) {
                        return;
                    }
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the source's transactions", e);
                }
            }
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, op);
        }
    }

    /** Drops the mirror's publication if it exists. */
    public static void dropPublicationIfExists(PostgresPeer peer, MirrorSource source) {
        SourceOperation op = SourceOperation.of("dropping publication " + source.publication(), peer, source);
        try (Connection c = peer.connect()) {
            execute(c, "DROP PUBLICATION IF EXISTS " + TableId.quote(source.publication()));
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, op);
        }
    }

    private static Optional<Boolean> publicationForAllTables(Connection c, String publication) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT puballtables FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getBoolean(1)) : Optional.empty();
            }
        }
    }

    private static Set<TableId> publishedTables(Connection c, String publication) throws SQLException {
        Set<TableId> tables = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(new TableId(rs.getString(1), rs.getString(2)));
                }
            }
        }
        return tables;
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /**
     * The tables as a publication's table list, each {@code ONLY}: without it PostgreSQL adds the
     * tables that inherit from one ({@code INHERITS}) too, which are not the mirror's, and a child
     * without a replica identity would then refuse its own application's UPDATEs and DELETEs. A
     * partitioned table's partitions are published through it (via the root) either way.
     */
    private static String quoted(List<TableId> tables) {
        return tables.stream().map(t -> "ONLY " + t.quoted()).collect(Collectors.joining(", "));
    }
}
