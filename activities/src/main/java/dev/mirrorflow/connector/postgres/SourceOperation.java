package dev.mirrorflow.connector.postgres;

import dev.mirrorflow.connector.TableId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What mirrorflow was doing on a source when something failed: the context every failure message
 * carries, so that a reader knows which mirror, slot and table to look at.
 *
 * @param action what was being done, as a gerund phrase ("acquiring replication slot x")
 * @param mirror the mirror's name, or null when the work is for no mirror (a peer check)
 * @param slot the replication slot involved, or null
 * @param table the table involved, or null
 */
public record SourceOperation(String action, PostgresPeer peer, String mirror, String slot, TableId table) {

    public SourceOperation {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(peer, "peer");
    }

    public static SourceOperation of(String action, PostgresPeer peer, MirrorSource source) {
        return new SourceOperation(action, peer, source.mirror(), source.slot(), null);
    }

    public SourceOperation withSlot(String otherSlot) {
        return new SourceOperation(action, peer, mirror, otherSlot, table);
    }

    public SourceOperation withTable(TableId otherTable) {
        return new SourceOperation(action, peer, mirror, slot, otherTable);
    }

    /** The start of every message: "mirror orders, slot mirrorflow_orders". */
    String subject() {
        List<String> parts = new ArrayList<>();
        if (mirror != null) {
            parts.add("mirror " + mirror);
        }
        if (slot != null) {
            parts.add("slot " + slot);
        }
        if (table != null) {
            parts.add("table " + table);
        }
        return parts.isEmpty() ? "source " + peer.location() : String.join(", ", parts);
    }
}
