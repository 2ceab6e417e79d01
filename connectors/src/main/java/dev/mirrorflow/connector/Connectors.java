package dev.mirrorflow.connector;

import dev.mirrorflow.connector.postgres.PostgresSource;
import dev.mirrorflow.connector.postgres.destination.DestinationException;
import dev.mirrorflow.connector.postgres.destination.DestinationFailureClassifier;
import dev.mirrorflow.connector.postgres.destination.PostgresDestination;
import dev.mirrorflow.connector.postgres.slot.SlotAcquirer;
import dev.mirrorflow.connector.load.SnapshotLoadException;
import dev.mirrorflow.model.MirrorSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The connectors this worker has, by peer type: the one place that names them. Activities ask
 * it for a mirror's {@link Source} and {@link Destination} and never name a connector's own
 * classes, so a new connector is a new package plus its lines here.
 */
public final class Connectors {

    private final SlotAcquirer slots;
    private final Duration heartbeatInterval;

    /**
     * @param slots how PostgreSQL sources take their replication slots (the retry policy and the
     *     metrics of the worker)
     * @param heartbeatInterval how often a quiet PostgreSQL source gets a logical message so that
     *     its slot keeps moving
     */
    public Connectors(SlotAcquirer slots, Duration heartbeatInterval) {
        this.slots = slots;
        this.heartbeatInterval = heartbeatInterval;
    }

    /**
     * The mirror's source, with its peer read (decrypted) from {@code peers}.
     *
     * @throws UnknownPeerException when the spec names a peer that is gone
     */
    public Source source(MirrorSession session, PeerStore peers) {
        PeerType type = peers.typeOf(session.spec().source());
        if (type == PeerType.POSTGRES) {
            return new PostgresSource(session, peers.postgres(session.spec().source()),
                    peers.typeOf(session.spec().destination()) == PeerType.POSTGRES
                            ? peers.postgres(session.spec().destination()) : null,
                    slots, heartbeatInterval);
        }
        throw new IllegalStateException("mirror " + session.name() + ": peer " + session.spec().source() + " is a "
                + type.id() + " peer, which cannot be a source yet");
    }

    /** The destination database of that peer; close it when done. */
    public Destination destination(String peer, PeerStore peers) {
        PeerType type = peers.typeOf(peer);
        if (type == PeerType.POSTGRES) {
            return new PostgresDestination(peers.postgres(peer));
        }
        throw new IllegalStateException("peer " + peer + " is a " + type.id() + " peer, which cannot be a destination");
    }

    /** What a teardown leaves at a source whose peer the worker cannot read, with the SQL to remove it. */
    public List<Leftover> leftoversOfUnreadableSource(MirrorSpec spec, String because) {
        return PostgresSource.leftoversWithoutPeer(spec, because);
    }

    /** Whether another teardown attempt may remove what this failure kept. */
    public boolean mayClearUp(RuntimeException e) {
        return PostgresSource.mayClearUp(e);
    }

    /** Why a piece stayed at a teardown, short enough for its one line. */
    public String leftoverReason(RuntimeException e) {
        return PostgresSource.reason(e);
    }

    /**
     * What to do about a destination failure that fails the same way on every attempt (a
     * privilege, an object that is gone); empty when a retry may succeed.
     *
     * @param streaming whether the failure came from applying the change stream (else a load)
     */
    public static Optional<String> permanentDestinationAdvice(String mirror, Throwable e, boolean streaming) {
        if (e instanceof DestinationException) {
            return DestinationFailureClassifier.permanentAdvice(mirror, e, streaming);
        }
        if (e instanceof SnapshotLoadException) {
            return DestinationFailureClassifier.permanentLoadAdvice(mirror, e);
        }
        return Optional.empty();
    }

    /** Whether the failure is a destination's that a retry may overcome (the database was unreachable). */
    public static boolean isDestinationFailure(Throwable e) {
        return e instanceof DestinationException;
    }

    /** Whether the failure is a load's (a partition that failed to copy). */
    public static boolean isLoadFailure(Throwable e) {
        return e instanceof SnapshotLoadException;
    }
}
