package dev.mirrorflow.connector;

import dev.mirrorflow.model.MirrorSpec;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a connector needs to check a mirror before {@code mirror create} (or an edit that adds
 * tables) writes anything: see {@link Connector#validateMirror}.
 *
 * @param mirror the whole spec: the new mirror's, or the one an edit proposes
 * @param checked the part whose tables are checked: {@code mirror} itself for a create, a spec
 *     holding only the added tables for an edit
 * @param source the source peer, opened
 * @param destination the destination peer, opened
 * @param edit whether this is {@code mirror edit} (the advice says to run it again, and the
 *     destination is not pinged, since the mirror already writes there)
 * @param peers to open other mirrors' destination peers, to compare databases
 * @param otherMirrors the other live mirrors, read when the connector gets to them (the checks
 *     before take seconds); those whose spec cannot be read are left out
 */
public record MirrorCheck(
        MirrorSpec mirror,
        MirrorSpec checked,
        PeerConfig source,
        PeerConfig destination,
        boolean edit,
        PeerStore peers,
        Supplier<List<OtherMirror>> otherMirrors) {

    public MirrorCheck {
        Objects.requireNonNull(mirror, "mirror");
        Objects.requireNonNull(checked, "checked");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(peers, "peers");
        Objects.requireNonNull(otherMirrors, "otherMirrors");
    }

    /**
     * Another live mirror, as far as a check of this one's destination tables needs it.
     *
     * @param destinationTables its destination tables, as its spec names them
     */
    public record OtherMirror(String name, String destinationPeer, List<TableId> destinationTables) {

        public OtherMirror {
            destinationTables = List.copyOf(destinationTables);
        }
    }
}
