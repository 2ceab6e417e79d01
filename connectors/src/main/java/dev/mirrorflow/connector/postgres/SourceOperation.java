package dev.mirrorflow.connector.postgres;

import dev.mirrorflow.connector.postgres.setup.MirrorSource;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
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
 * @param peerName the stored peer's name when the work is a one-off command on a peer (mirrorflow
 *     peer create or check), else null
 * @param creating the work checks a mirror that {@code mirror create} is about to create: a person
 *     reads the message at once, and nothing exists yet that could be resumed
 */
public record SourceOperation(String action, PostgresPeer peer, String mirror, String slot, TableId table,
        String peerName, boolean creating) {

    public SourceOperation {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(peer, "peer");
    }

    public SourceOperation(String action, PostgresPeer peer, String mirror, String slot, TableId table) {
        this(action, peer, mirror, slot, table, null, false);
    }

    public static SourceOperation of(String action, PostgresPeer peer, MirrorSource source) {
        return new SourceOperation(action, peer, source.mirror(), source.slot(), null);
    }

    /** Work on a peer that no mirror is waiting for: a command a person runs and reads at once. */
    public static SourceOperation onPeer(String action, PostgresPeer peer, String peerName) {
        return new SourceOperation(action, peer, null, null, null, peerName, false);
    }

    /** Checks {@code mirror create} runs before it creates mirror {@code mirror}. */
    public static SourceOperation creatingMirror(String action, PostgresPeer peer, String mirror) {
        return new SourceOperation(action, peer, mirror, null, null, null, true);
    }

    public SourceOperation withSlot(String otherSlot) {
        return new SourceOperation(action, peer, mirror, otherSlot, table, peerName, creating);
    }

    public SourceOperation withTable(TableId otherTable) {
        return new SourceOperation(action, peer, mirror, slot, otherTable, peerName, creating);
    }

    /**
     * Whether a mirror's activity does this work, which Temporal retries and the mirror reports;
     * otherwise a person ran a command and needs to hear what to do next, not "will retry".
     */
    boolean forMirror() {
        return mirror != null && !creating;
    }

    /** The start of every message: "mirror orders, slot mirrorflow_orders". */
    public String subject() {
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
        if (parts.isEmpty()) {
            return peerName != null ? "peer " + peerName : "source " + peer.location();
        }
        return String.join(", ", parts);
    }

    /**
     * How a message ends once the user has fixed the cause. Such a problem fails a mirror, and a
     * FAILED mirror's workflow has ended: a resync starts it again, a resume cannot.
     */
    public String thenAgain() {
        if (creating) {
            return "then run mirror create again";
        }
        return forMirror() ? "then run mirrorflow mirror resync " + mirror : "then run the command again";
    }

    /** Said of a transient failure: a mirror retries by itself, a command does not. */
    String retryNote() {
        return forMirror() ? "will retry" : "try again later";
    }

    /** Which peer the user should correct. */
    String peerToFix() {
        if (forMirror() || creating) {
            return "the source peer";
        }
        return peerName != null ? "peer " + peerName : "the peer";
    }
}
