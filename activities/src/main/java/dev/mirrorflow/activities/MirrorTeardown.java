package dev.mirrorflow.activities;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.postgres.AcquiredSlot;
import dev.mirrorflow.connector.postgres.MirrorSource;
import dev.mirrorflow.connector.postgres.PeerDataSource;
import dev.mirrorflow.connector.postgres.PostgresPeer;
import dev.mirrorflow.connector.postgres.SlotAcquirer;
import dev.mirrorflow.connector.postgres.SlotBusyException;
import dev.mirrorflow.connector.postgres.SourceException;
import dev.mirrorflow.connector.postgres.SourceSetup;
import dev.mirrorflow.connector.postgres.destination.DestinationValidator;
import dev.mirrorflow.connector.postgres.destination.PostgresDestination;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.TableSpec;
import dev.mirrorflow.model.TeardownRequest;
import dev.mirrorflow.workflow.FailureTypes;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what a mirror made: its replication slot, its publication (unless the spec named one)
 * and its rows in the destination's metadata, with the destination tables when asked. Each piece
 * is tried even when another fails, so that a dead source does not keep the destination tables,
 * or the other way round. The slot is dropped only while this attempt holds its advisory lock and
 * no other process streams from it: a slot someone else uses is reported, never taken away.
 *
 * <p>Whatever stays is named in one failure message with the reason and the SQL that removes
 * it by hand; the workflow's few attempts then end with the mirror dropped and that message as
 * its outcome's error.
 */
final class MirrorTeardown {

    /** The failure type of a teardown that left something behind. */
    static final String INCOMPLETE = FailureTypes.TEARDOWN_INCOMPLETE;

    private static final Logger log = LoggerFactory.getLogger(MirrorTeardown.class);

    private final Catalog catalog;
    private final Supplier<PeerStore> peers;
    private final SlotAcquirer slots;

    /** @param slots the slot acquirer with the teardown's retry settings, which it logs delays by */
    MirrorTeardown(Catalog catalog, Supplier<PeerStore> peers, SlotAcquirer slots) {
        this.catalog = catalog;
        this.peers = peers;
        this.slots = slots;
    }

    /** A piece left behind: what it is, why it stayed, and the SQL that removes it. */
    record Leftover(String what, String because, String sql, boolean mayClearUp) {

        @Override
        public String toString() {
            return what + " (" + because + "); drop it by hand with: " + sql;
        }
    }

    void run(TeardownRequest request, int attempt) {
        MirrorRow row = catalog.mirrors().findLive(request.mirror()).orElseThrow(() ->
                ApplicationFailure.newNonRetryableFailure("mirror " + request.mirror()
                        + " is not in the catalog (was it dropped?)", FailureTypes.MIRROR_NOT_FOUND));
        MirrorSpec spec = readSpec(row);
        MirrorSource source = MirrorSource.of(spec);
        List<TableMapping> mappings = new ArrayList<>(spec.tables().stream().map(MirrorTeardown::mapping).toList());
        // The tables a saved edit adds may have been created (and partly loaded) already.
        catalog.mirrors().pendingSpec(row.id()).ifPresent(json -> {
            try {
                MirrorSpecJson.read(json).tables().stream().map(MirrorTeardown::mapping)
                        .filter(m -> mappings.stream().noneMatch(known -> known.source().equals(m.source())))
                        .forEach(mappings::add);
            } catch (Exception unreadable) {
                log.warn("mirror {}: its saved edit cannot be read ({}); its tables are not considered",
                        row.name(), unreadable.getMessage());
            }
        });
        List<Leftover> left = new ArrayList<>();

        PostgresPeer sourcePeer = null;
        try {
            sourcePeer = peers.get().postgres(spec.source());
        } catch (RuntimeException e) {
            String because = "the worker cannot read source peer " + spec.source() + ": " + reason(e);
            left.add(slotLeftover(source, "peer " + spec.source(), because, true));
            if (spec.hasDefaultPublication()) {
                left.add(publicationLeftover(source, "peer " + spec.source(), because, true));
            }
        }
        if (sourcePeer != null) {
            try (AcquiredSlot slot = slots.acquire(sourcePeer, source, attempt)) {
                SourceSetup.dropSlotIfExists(slot);
            } catch (RuntimeException e) {
                left.add(slotLeftover(source, sourcePeer.location(), reason(e), mayClearUp(e)));
            }
            if (spec.hasDefaultPublication()) {
                try {
                    SourceSetup.dropPublicationIfExists(sourcePeer, source);
                } catch (RuntimeException e) {
                    left.add(publicationLeftover(source, sourcePeer.location(), reason(e), mayClearUp(e)));
                }
            } else {
                log.info("mirror {}: left publication {} in place, as the spec named it", spec.name(),
                        spec.publication());
            }
        }

        String destinationAt = "peer " + spec.destination();
        try {
            PostgresPeer destinationPeer = peers.get().postgres(spec.destination());
            destinationAt = destinationPeer.location();
            List<TableMapping> droppable = mappings;
            if (request.dropDestination() && sourcePeer != null) {
                // Only tables mirrorflow created are dropped, which a source table never is; a
                // mirror created before source and destination were compared is checked anyway.
                try {
                    droppable = DestinationValidator.withoutSourceTables(sourcePeer, destinationPeer, mappings);
                } catch (RuntimeException e) {
                    log.warn("mirror {}: cannot compare source and destination ({}); dropping only the tables"
                            + " mirrorflow recorded as created", spec.name(), reason(e));
                }
            }
            try (PostgresDestination destination = new PostgresDestination(
                    new PeerDataSource(destinationPeer))) {
                List<TableId> kept = new java.util.ArrayList<>(destination.forget(spec.name(), droppable,
                        request.dropDestination()));
                // The tables left out as source tables were kept too.
                List<TableMapping> considered = droppable;
                mappings.stream().map(TableMapping::destination).filter(t -> !kept.contains(t))
                        .filter(t -> request.dropDestination()).filter(t -> considered.stream()
                                .noneMatch(m -> m.destination().equals(t))).forEach(kept::add);
                if (!kept.isEmpty()) {
                    // `mirror drop` reads it to say which tables it did not drop, and why.
                    catalog.mirrors().recordEvent(row.id(), MirrorEvent.Kind.INFO, TeardownRequest.KEPT_TABLES + kept.stream()
                            .map(TableId::toString).collect(Collectors.joining(", "))
                            + " (mirrorflow did not create them for this mirror)", null, "teardown-kept-tables");
                }
            }
        } catch (RuntimeException e) {
            left.add(destinationLeftover(spec.name(), mappings, request.dropDestination(), destinationAt, reason(e),
                    mayClearUp(e)));
        }

        if (left.isEmpty()) {
            log.info("mirror {} torn down{}", spec.name(), request.dropDestination() ? " with its destination tables" : "");
            return;
        }
        throw incomplete(row, left, attempt);
    }

    private RuntimeException incomplete(MirrorRow row, List<Leftover> left, int attempt) {
        String message = "mirror " + row.name() + " could not remove "
                + left.stream().map(Leftover::toString).collect(Collectors.joining("; and "));
        boolean retryable = left.stream().anyMatch(Leftover::mayClearUp);
        try {
            catalog.mirrors().recordError(row.id(),
                    retryable ? message + " (attempt " + attempt + ", retrying)" : message, null);
        } catch (RuntimeException catalogDown) {
            log.warn("could not record the error of mirror {} in the catalog: {}", row.name(), catalogDown.getMessage());
        }
        log.warn("{} (attempt {}{})", message, attempt, retryable ? ", will be retried" : "");
        return retryable
                ? ApplicationFailure.newFailure(message, INCOMPLETE)
                : ApplicationFailure.newNonRetryableFailure(message, INCOMPLETE);
    }

    private static Leftover slotLeftover(MirrorSource source, String at, String because, boolean mayClearUp) {
        return new Leftover("replication slot " + source.slot() + " on " + at, because,
                "SELECT pg_drop_replication_slot('" + source.slot() + "')", mayClearUp);
    }

    private static Leftover publicationLeftover(MirrorSource source, String at, String because, boolean mayClearUp) {
        return new Leftover("publication " + source.publication() + " on " + at, because,
                "DROP PUBLICATION " + TableId.quote(source.publication()), mayClearUp);
    }

    static Leftover destinationLeftover(String mirror, List<TableMapping> mappings, boolean dropTables,
            String at, String because, boolean mayClearUp) {
        String literal = "'" + mirror.replace("'", "''") + "'";
        String sql = "DELETE FROM _mirrorflow.checkpoints WHERE mirror = " + literal
                + "; DELETE FROM _mirrorflow.snapshot_partitions WHERE mirror = " + literal;
        String what = "its checkpoint at the destination " + at;
        if (dropTables) {
            // Only the tables mirrorflow recorded as created for this mirror: a plain DROP TABLE of
            // the spec's tables would destroy a user's table that the mirror wrote to.
            sql += "; DO $$ DECLARE t regclass; BEGIN FOR t IN SELECT destination_table::regclass FROM"
                    + " _mirrorflow.mirror_tables WHERE mirror = " + literal + " AND created"
                    + " AND to_regclass(table_name) = destination_table LOOP EXECUTE 'DROP TABLE ' || t; END LOOP;"
                    + " DELETE FROM _mirrorflow.mirror_tables WHERE mirror = " + literal + "; END $$";
            what = "its destination tables and checkpoint on " + at;
        }
        return new Leftover(what, because, sql, mayClearUp);
    }

    /** Whether another attempt may succeed: a busy slot or an unreachable database, not a refusal. */
    private static boolean mayClearUp(RuntimeException e) {
        if (e instanceof SourceException s) {
            return s.retryable();
        }
        return !(e instanceof IllegalStateException || e instanceof IllegalArgumentException
                || e instanceof ApplicationFailure a && a.isNonRetryable());
    }

    /**
     * Why a piece stayed, short enough to sit inside the teardown's one line: for a busy slot
     * who holds it, otherwise what the failure says is wrong (the house messages read
     * "subject: what is wrong; what to do", and what to do after a failed stream does not fit a
     * drop).
     */
    private static String reason(RuntimeException e) {
        if (e instanceof SlotBusyException busy) {
            return "it is in use by " + (busy.holderPid().isPresent() ? "PID " + busy.holderPid().getAsInt()
                    : "another process") + "; stop that process first";
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        if (e instanceof SourceException) {
            int colon = m.indexOf(": ");
            int semicolon = m.indexOf("; ", colon + 2);
            if (colon >= 0 && semicolon > colon) {
                return m.substring(colon + 2, semicolon);
            }
        }
        return m;
    }

    private static MirrorSpec readSpec(MirrorRow row) {
        try {
            return MirrorSpecJson.read(row.spec());
        } catch (Exception e) {
            throw ApplicationFailure.newNonRetryableFailure("the stored spec of mirror " + row.name()
                    + " cannot be read (" + e.getClass().getSimpleName() + "); drop its slot and publication by hand",
                    FailureTypes.MIRROR_NOT_FOUND);
        }
    }

    private static TableMapping mapping(TableSpec t) {
        return new TableMapping(TableId.parse(t.source()), TableId.parse(t.destination()), new HashSet<>(t.exclude()));
    }
}
