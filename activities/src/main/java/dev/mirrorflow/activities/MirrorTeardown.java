package dev.mirrorflow.activities;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.connector.Connectors;
import dev.mirrorflow.connector.Destination;
import dev.mirrorflow.connector.Heartbeat;
import dev.mirrorflow.connector.Leftover;
import dev.mirrorflow.connector.MirrorSession;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.connector.PeerType;
import dev.mirrorflow.connector.Source;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
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
 * Removes what a mirror made: what its source connector made at the source (a PostgreSQL
 * source's replication slot and its publication unless the spec named one) and its rows in the
 * destination's metadata, with the destination tables when asked. Each piece
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
    private final Connectors connectors;

    MirrorTeardown(Catalog catalog, Supplier<PeerStore> peers, Connectors connectors) {
        this.catalog = catalog;
        this.peers = peers;
        this.connectors = connectors;
    }

    void run(TeardownRequest request, int attempt) {
        MirrorRow row = catalog.mirrors().findLive(request.mirror()).orElseThrow(() ->
                ApplicationFailure.newNonRetryableFailure("mirror " + request.mirror()
                        + " is not in the catalog (was it dropped?)", FailureTypes.MIRROR_NOT_FOUND));
        MirrorSpec spec = readSpec(row);
        List<TableMapping> mappings = new ArrayList<>(spec.tables().stream().map(MirrorContext::mapping).toList());
        // The tables a saved edit adds may have been created (and partly loaded) already.
        catalog.mirrors().pendingSpec(row.id()).ifPresent(json -> {
            try {
                MirrorSpecJson.read(json).tables().stream().map(MirrorContext::mapping)
                        .filter(m -> mappings.stream().noneMatch(known -> known.source().equals(m.source())))
                        .forEach(mappings::add);
            } catch (Exception unreadable) {
                log.warn("mirror {}: its saved edit cannot be read ({}); its tables are not considered",
                        row.name(), unreadable.getMessage());
            }
        });
        List<Leftover> left = new ArrayList<>();

        MirrorSession session = new MirrorSession(row.name(), row.id(), spec, mappings, catalog, Heartbeat.NONE,
                attempt);
        Source source = null;
        try {
            source = connectors.source(session, peers.get());
        } catch (RuntimeException e) {
            PeerType type;
            try {
                type = peers.get().typeOf(spec.source());
            } catch (RuntimeException gone) {
                // A peer cannot be dropped while a live mirror uses it; read as PostgreSQL, the only
                // kind mirrorflow had when such a catalog could have been written.
                type = PeerType.POSTGRES;
            }
            left.addAll(connectors.leftoversOfUnreadableSource(spec, type, "the worker cannot read source peer "
                    + spec.source() + ": " + Connectors.leftoverReason(e)));
        }
        try {
            if (source != null) {
                left.addAll(source.tearDown());
            }

            String destinationAt = "peer " + spec.destination();
            try (Destination destination = connectors.destination(spec.destination(), peers.get())) {
                destinationAt = destination.location();
                List<TableMapping> droppable = mappings;
                if (request.dropDestination() && source != null) {
                    // Only tables mirrorflow created are dropped, which a source table never is; a
                    // mirror created before source and destination were compared is checked anyway.
                    try {
                        droppable = destination.withoutSourceTables(mappings, source);
                    } catch (RuntimeException e) {
                        log.warn("mirror {}: cannot compare source and destination ({}); dropping only the tables"
                                + " mirrorflow recorded as created", spec.name(), Connectors.leftoverReason(e));
                    }
                }
                List<TableId> kept = new ArrayList<>(destination.forget(spec.name(), droppable,
                        request.dropDestination()));
                // The tables left out as source tables were kept too.
                List<TableMapping> considered = droppable;
                mappings.stream().map(TableMapping::destination).filter(t -> !kept.contains(t))
                        .filter(t -> request.dropDestination()).filter(t -> considered.stream()
                                .noneMatch(m -> m.destination().equals(t))).forEach(kept::add);
                if (!kept.isEmpty()) {
                    // `mirror drop` reads it to say which tables it did not drop, and why.
                    catalog.mirrors().recordEvent(row.id(), MirrorEvent.Kind.INFO, TeardownRequest.KEPT_TABLES
                            + kept.stream().map(TableId::toString).collect(Collectors.joining(", "))
                            + " (mirrorflow did not create them for this mirror)", null, "teardown-kept-tables");
                }
            } catch (RuntimeException e) {
                left.add(destinationLeftover(spec.name(), mappings, request.dropDestination(), destinationAt,
                        Connectors.leftoverReason(e), Connectors.mayClearUp(e)
                                && !(e instanceof ApplicationFailure a && a.isNonRetryable())));
            }
        } finally {
            if (source != null) {
                source.close();
            }
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
