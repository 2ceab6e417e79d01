package dev.mirrorflow.connector.postgres.setup;

import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.TableSpec;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What one mirror reads from a PostgreSQL source: its tables, the publication that names them
 * and the replication slot that keeps their changes.
 */
public record MirrorSource(String mirror, List<TableId> tables, String publication, String slot) {

    /** Postgres' own rule for slot names; checked here so a bad name fails before any connection. */
    private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");

    public MirrorSource {
        Objects.requireNonNull(mirror, "mirror");
        Objects.requireNonNull(publication, "publication");
        Objects.requireNonNull(slot, "slot");
        tables = List.copyOf(tables);
        if (tables.isEmpty()) {
            throw new IllegalArgumentException("mirror " + mirror + " names no source table");
        }
        if (!SLOT_NAME.matcher(slot).matches()) {
            throw new IllegalArgumentException("replication slot name '" + slot + "' of mirror " + mirror
                    + " is not valid; use 1 to 63 lower-case letters, digits or underscores");
        }
        if (publication.isEmpty() || publication.length() > 63) {
            throw new IllegalArgumentException("publication name of mirror " + mirror
                    + " must have 1 to 63 characters");
        }
    }

    /** A mirror's source as its spec names it: its tables, slot and publication. */
    public static MirrorSource of(MirrorSpec spec) {
        return new MirrorSource(spec.name(), spec.tables().stream().map(TableSpec::source).map(TableId::parse).toList(),
                spec.publication(), spec.slot());
    }

    /** The defaults: publication and slot both named {@code mirrorflow_<mirror>}. */
    public static MirrorSource of(String mirror, List<TableId> tables) {
        String name = "mirrorflow_" + mirror;
        return new MirrorSource(mirror, tables, name, name);
    }
}
