package dev.mirrorflow.connector.postgres.check;

import dev.mirrorflow.connector.MirrorCheck;
import dev.mirrorflow.connector.MirrorCheckException;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.postgres.SourceException;
import dev.mirrorflow.connector.postgres.destination.DestinationException;
import dev.mirrorflow.connector.postgres.destination.DestinationValidator;
import dev.mirrorflow.connector.postgres.peer.PeerProbe;
import dev.mirrorflow.connector.postgres.peer.PeerSessions;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.peer.PostgresPeerCodec;
import dev.mirrorflow.connector.postgres.setup.MirrorSource;
import dev.mirrorflow.connector.postgres.setup.SourceValidator;
import dev.mirrorflow.model.MirrorSpec;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The checks {@code mirror create} makes of a PostgreSQL-to-PostgreSQL mirror before anything is
 * written, and that {@code mirror edit} makes of the tables it adds, in the order a user meets
 * their problems: the source tables (keys, replica identity, privileges, wal_level; before the
 * publication gets them, so that the source application's writes never fail for them), the
 * destination (reachable, not a reserved schema), the excluded columns, the destination user's
 * privileges and types, and what the destination holds (not another mirror's table, and for an
 * edit's load, no rows the load would keep).
 */
public final class PostgresMirrorChecks {

    private PostgresMirrorChecks() {}

    /**
     * @throws MirrorCheckException or a {@link SourceException} naming the first problem and what to do
     */
    public static void validate(MirrorCheck check) {
        // One session per peer for all the checks instead of a login for each.
        try (PeerSessions sessions = PeerSessions.open()) {
            validateIn(check);
        }
    }

    private static void validateIn(MirrorCheck check) {
        PostgresPeer source = PostgresPeerCodec.of(check.source());
        PostgresPeer destination = PostgresPeerCodec.of(check.destination());
        MirrorSpec mirror = check.mirror();
        MirrorSpec checked = check.checked();
        if (check.edit()) {
            try {
                SourceValidator.validateNewMirror(source, MirrorSource.of(mirror));
            } catch (SourceException e) {
                throw new MirrorCheckException(e.getMessage().replace("run mirror create again", "run mirror edit again"));
            }
        } else {
            SourceValidator.validateNewMirror(source, MirrorSource.of(mirror));
            PeerProbe.ping(mirror.destination(), destination);
        }
        // mirrorflow's own and PostgreSQL's schemas first: no GRANT is the way out there.
        try {
            checked.tables().forEach(t -> DestinationValidator.refuseReservedSchema(TableId.parse(t.destination())));
        } catch (IllegalStateException e) {
            throw new MirrorCheckException(e.getMessage());
        }
        // What the spec asks of the source's columns and of the destination user's privileges,
        // which the checks of what the destination holds need too.
        ExcludedColumnsCheck.check(source, checked);
        DestinationPrivilegesCheck.check(mirror.destination(), destination, checked);
        DestinationTypesCheck.check(source, mirror.destination(), destination, checked,
                check.edit() ? "mirror edit again" : "mirror create again");
        refuseUnsafeDestination(check, checked, source, destination);
        if (check.edit() && mirror.initialLoad()) {
            try {
                DestinationValidator.refuseRowsToKeep(mirror.name(), destination, mappings(checked));
            } catch (IllegalStateException | DestinationException e) {
                throw new MirrorCheckException(e.getMessage());
            }
        }
    }

    /**
     * A mirror must not write where it would destroy data it does not own (see {@link
     * DestinationValidator}), nor into a table another live mirror writes: the catalog knows the
     * mirrors not set up yet, which the destination's own record does not. Their destination
     * peers are compared by database identity; one that cannot be reached is left to the
     * record, which SETUP checks again.
     */
    private static void refuseUnsafeDestination(MirrorCheck check, MirrorSpec mirror, PostgresPeer source,
            PostgresPeer destination) {
        List<TableMapping> mappings = mappings(mirror);
        try {
            DestinationValidator.validate(mirror.name(), source, destination, mappings);
            Set<TableId> ours = mappings.stream().map(TableMapping::destination).collect(Collectors.toSet());
            DestinationValidator.DatabaseIdentity identity = null;
            Map<String, Boolean> sameDatabase = new HashMap<>();
            for (MirrorCheck.OtherMirror other : check.otherMirrors().get()) {
                if (other.name().equals(mirror.name())) {
                    // The mirror itself, when an edit adds tables to it.
                    continue;
                }
                Optional<TableId> shared = other.destinationTables().stream().filter(ours::contains).findFirst();
                if (shared.isEmpty()) {
                    continue;
                }
                if (identity == null) {
                    identity = DestinationValidator.databaseIdentity(destination);
                }
                DestinationValidator.DatabaseIdentity mine = identity;
                boolean same = sameDatabase.computeIfAbsent(other.destinationPeer(), peer -> {
                    try {
                        return peer.equals(mirror.destination()) || DestinationValidator.databaseIdentity(
                                PostgresPeerCodec.of(check.peers().open(peer))).sameDatabaseAs(mine);
                    } catch (RuntimeException unreachable) {
                        return false;
                    }
                });
                if (same) {
                    throw new MirrorCheckException("destination table " + shared.get() + " belongs to mirror "
                            + other.name() + ", which writes to it in the same database; map this mirror to another"
                            + " destination table");
                }
            }
        } catch (IllegalStateException | DestinationException e) {
            throw new MirrorCheckException(e.getMessage());
        }
    }

    /**
     * The checks of a PostgreSQL destination for a source of another kind, whose tables' shapes
     * are given (without column exclusions: such a source takes out what it excludes itself):
     * reachable, no reserved schema, the user's privileges, each existing destination table one
     * the mirror may write with that shape, not another live mirror's table, and for an edit's
     * load, no rows the load would keep.
     */
    public static void validateDestination(MirrorCheck check, Map<TableId, dev.mirrorflow.connector.TableSchema> schemas) {
        try (PeerSessions sessions = PeerSessions.open()) {
            validateDestinationIn(check, schemas);
        }
    }

    private static void validateDestinationIn(MirrorCheck check,
            Map<TableId, dev.mirrorflow.connector.TableSchema> schemas) {
        PostgresPeer destination = PostgresPeerCodec.of(check.destination());
        MirrorSpec mirror = check.mirror();
        MirrorSpec checked = check.checked();
        if (!check.edit()) {
            PeerProbe.ping(mirror.destination(), destination);
        }
        List<TableMapping> mappings = checked.tables().stream().map(t -> new TableMapping(TableId.parse(t.source()),
                TableId.parse(t.destination()), Set.of())).toList();
        try {
            DestinationValidator.validateTables(mirror.name(), destination, mappings, schemas);
        } catch (IllegalStateException | DestinationException e) {
            throw new MirrorCheckException(e.getMessage());
        }
        DestinationPrivilegesCheck.check(mirror.destination(), destination, checked);
        Set<TableId> ours = mappings.stream().map(TableMapping::destination).collect(Collectors.toSet());
        for (MirrorCheck.OtherMirror other : check.otherMirrors().get()) {
            if (other.name().equals(mirror.name())) {
                continue;
            }
            Optional<TableId> shared = other.destinationTables().stream().filter(ours::contains).findFirst();
            if (shared.isPresent() && other.destinationPeer().equals(mirror.destination())) {
                throw new MirrorCheckException("destination table " + shared.get() + " belongs to mirror "
                        + other.name() + ", which writes to it; map this mirror to another destination table");
            }
        }
        if (check.edit() && mirror.initialLoad()) {
            try {
                DestinationValidator.refuseRowsToKeep(mirror.name(), destination, mappings);
            } catch (IllegalStateException | DestinationException e) {
                throw new MirrorCheckException(e.getMessage());
            }
        }
    }

    private static List<TableMapping> mappings(MirrorSpec mirror) {
        return mirror.tables().stream().map(t -> new TableMapping(TableId.parse(t.source()),
                TableId.parse(t.destination()), new HashSet<>(t.exclude()))).toList();
    }
}
