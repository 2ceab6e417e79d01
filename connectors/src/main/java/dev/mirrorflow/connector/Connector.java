package dev.mirrorflow.connector;

import dev.mirrorflow.model.MirrorSpec;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What one kind of database offers the code above the connectors (the CLI, the worker): its
 * peers, the checks a person waits for at a prompt, and how far a mirror reading from it is
 * behind. Looked up by peer type in {@link Connectors}; code above the connectors never names a
 * database's own types.
 *
 * <p>Every method that takes a {@link PeerConfig} takes one of {@link #type()} (one that
 * {@link #codec()} made), and throws {@link IllegalStateException} for another. Methods that
 * talk to a server connect with timeouts, so an unreachable one fails within seconds, and fail
 * with a {@link ConnectorFailure} whose message is one line saying what to do.
 */
public interface Connector {

    PeerType type();

    /** How peers of this type are parsed and stored. */
    PeerCodec codec();

    /**
     * Connects and checks the peer answers ({@code peer create}, and the destination at {@code
     * mirror create}). Has no effect on the server.
     *
     * @throws RuntimeException a {@link ConnectorFailure} with one line when that fails
     */
    void ping(String peerName, PeerConfig peer);

    /**
     * Connects and reports what {@code peer check} shows under its first line: one line per
     * property, as {@code "  name  value"}, with the fix beside each value a mirror cannot use.
     *
     * @throws RuntimeException a {@link ConnectorFailure} with one line when that fails
     */
    List<String> describe(String peerName, PeerConfig peer);

    /**
     * Checks, in the source's connector, everything a mirror from {@code check.source()} into
     * {@code check.destination()} needs before anything is written: the source tables (exist,
     * keys, privileges, settings), the excluded columns, the destination user's privileges and
     * types, and that the destination tables are not another mirror's and hold nothing the load
     * would have to keep. The source's connector checks the destination too, since what the
     * destination must have depends on what the source sends. Reads only; may take seconds.
     *
     * @throws MirrorCheckException (or another {@link ConnectorFailure}) naming the first problem
     *     and what to do about it
     */
    void validateMirror(MirrorCheck check);

    /**
     * How far the mirror's stream is behind its source now, asked with short timeouts ({@code
     * mirror status} works without it).
     *
     * @throws Exception when the source cannot be asked; the caller shows its first line
     */
    Lag lag(PeerConfig source, MirrorSpec mirror) throws Exception;

    /**
     * Makes a mark after everything the source has committed so far, to wait for the mirror's
     * stream to pass it ({@code mirror wait --caught-up}). The caller closes the probe.
     *
     * @throws Exception when the source cannot be reached or refuses the mark
     */
    CaughtUpProbe caughtUp(PeerConfig source, MirrorSpec mirror) throws Exception;

    /**
     * The mirror's source on {@code peer}, for one activity attempt.
     *
     * @param destination the mirror's destination peer, which a source may pair with (the
     *     PostgreSQL source pipes its initial load straight into a PostgreSQL destination)
     * @throws IllegalStateException when peers of this type cannot be sources
     */
    default Source source(MirrorSession session, PeerConfig peer, PeerConfig destination) {
        throw new IllegalStateException("mirror " + session.name() + ": peer " + session.spec().source() + " is a "
                + type().id() + " peer, which cannot be a source");
    }

    /**
     * A destination on {@code peer}.
     *
     * @throws IllegalStateException when peers of this type cannot be destinations
     */
    default Destination destination(PeerConfig peer) {
        throw new IllegalStateException("a " + type().id() + " peer cannot be a destination");
    }

    /** What a teardown leaves at a source of this type whose peer the worker cannot read. */
    default List<Leftover> leftoversOfUnreadableSource(MirrorSpec mirror, String because) {
        return List.of();
    }

    /**
     * {@link #lag(PeerConfig, MirrorSpec)} for a source that keeps no record of the mirror's
     * position itself (MongoDB), measured against {@code applied}, the position of the last batch
     * the destination committed as the catalog recorded it.
     */
    default Lag lag(PeerConfig source, MirrorSpec mirror, Optional<String> applied) throws Exception {
        return lag(source, mirror);
    }

    /**
     * {@link #caughtUp(PeerConfig, MirrorSpec)} for a source that keeps no record of the mirror's
     * position itself: {@code applied} reads the position of the last batch the destination
     * committed, as the catalog recorded it, whenever the probe asks.
     */
    default CaughtUpProbe caughtUp(PeerConfig source, MirrorSpec mirror, Supplier<Optional<String>> applied)
            throws Exception {
        return caughtUp(source, mirror);
    }

    /**
     * A stream position of this source as {@code mirror status} shows it; the position itself
     * by default (a PostgreSQL LSN reads well as it is).
     */
    default String describePosition(String position) {
        return position;
    }
}
