package dev.mirrorflow.connector;

import dev.mirrorflow.connector.postgres.PostgresConnector;
import dev.mirrorflow.connector.postgres.destination.DestinationException;
import dev.mirrorflow.connector.postgres.destination.DestinationFailureClassifier;
import dev.mirrorflow.connector.load.SnapshotLoadException;
import dev.mirrorflow.connector.mongo.MongoConnector;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.connector.postgres.slot.SlotAcquirer;
import dev.mirrorflow.connector.postgres.slot.SlotAcquisitionMetrics;
import dev.mirrorflow.connector.postgres.slot.SlotRetryPolicy;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The connectors this mirrorflow has, by peer type: the one place that names them. A new kind of
 * database is a new connector package and one line in {@link #standard(Meter)} (and its {@link
 * PeerType} marked supported); nothing above the connectors changes.
 *
 * <p>Built once per process: the worker builds it with its meter, so that the connectors'
 * metrics reach its telemetry; the CLI uses {@link #standard()}. Immutable and safe to share
 * between threads.
 */
public final class Connectors {

    private static final Connectors WITHOUT_TELEMETRY = standard(MeterProvider.noop().get(TelemetryNames.SCOPE));

    private final Map<PeerType, Connector> byType;
    private final PostgresConnector postgres;

    private Connectors(List<Connector> connectors, PostgresConnector postgres) {
        Map<PeerType, Connector> map = new EnumMap<>(PeerType.class);
        for (Connector connector : connectors) {
            if (map.put(connector.type(), connector) != null) {
                throw new IllegalArgumentException("two connectors for peer type " + connector.type().id());
            }
        }
        this.byType = map;
        this.postgres = Objects.requireNonNull(postgres, "postgres");
    }

    /**
     * Every connector, with its metrics (e.g. slot acquisitions) in {@code meter}.
     */
    public static Connectors standard(Meter meter) {
        PostgresConnector postgres = new PostgresConnector(
                new SlotAcquirer(SlotRetryPolicy.DEFAULT, new SlotAcquisitionMetrics(), meter));
        return new Connectors(List.of(
                postgres,
                new MongoConnector()),
                postgres);
    }

    /**
     * Opens, on this thread, a scope in which a series of short steps logs in to each PostgreSQL
     * peer once (see {@link dev.mirrorflow.connector.postgres.peer.PeerSessions}); closing it closes
     * those sessions. For a setup's checks and preparations, not for a load or a stream, which hold
     * sessions of their own on threads of their own.
     */
    public static SessionScope oneSessionPerPeer() {
        return dev.mirrorflow.connector.postgres.peer.PeerSessions.open()::close;
    }

    /** A scope of {@link #oneSessionPerPeer}; closing it does not throw. */
    @FunctionalInterface
    public interface SessionScope extends AutoCloseable {
        @Override
        void close();
    }

    /** Every connector, without telemetry: what the CLI and the peer store need. */
    public static Connectors standard() {
        return WITHOUT_TELEMETRY;
    }

    /**
     * The connector of {@code type}.
     *
     * @throws IllegalStateException when this version has none for it; {@link PeerType#parse}
     *     and {@link PeerStore} refuse such types with a clear line before this is reached
     */
    public Connector require(PeerType type) {
        Connector connector = byType.get(type);
        if (connector == null) {
            throw new IllegalStateException("this version of mirrorflow has no connector for peer type " + type.id());
        }
        return connector;
    }

    /** The connector of {@code peer}'s type. */
    public Connector of(PeerConfig peer) {
        return require(peer.type());
    }

    /** Whether this version can use peers of {@code type}. */
    public boolean has(PeerType type) {
        return byType.containsKey(type);
    }

    /**
     * The mirror's source, built by its peer's connector with the peer read (decrypted) from
     * {@code peers}; close it when the activity is done with it.
     *
     * @throws UnknownPeerException when the spec names a peer that is gone
     */
    public Source source(MirrorSession session, PeerStore peers) {
        PeerConfig source = peers.open(session.spec().source());
        PeerConfig destination = peers.open(session.spec().destination());
        return of(source).source(session, source, destination);
    }

    /** The destination of that peer, built by its connector; close it when done. */
    public Destination destination(String peer, PeerStore peers) {
        PeerConfig config = peers.open(peer);
        return of(config).destination(config);
    }

    /** What a teardown leaves at a source whose peer the worker cannot read, with the statements that remove it. */
    public List<Leftover> leftoversOfUnreadableSource(MirrorSpec spec, PeerType sourceType, String because) {
        return has(sourceType) ? require(sourceType).leftoversOfUnreadableSource(spec, because) : List.of();
    }

    /** Whether another teardown attempt may remove what this failure kept. */
    public static boolean mayClearUp(RuntimeException e) {
        if (e instanceof ConnectorFailure f) {
            return f.retryable();
        }
        return !(e instanceof IllegalStateException || e instanceof IllegalArgumentException);
    }

    /**
     * Why a piece stayed at a teardown, short enough to sit inside the teardown's one line:
     * what the failure says is wrong, without what to do after a failed stream (the house
     * messages read "subject: what is wrong; what to do"), which does not fit a drop.
     */
    public static String leftoverReason(RuntimeException e) {
        if (e instanceof ConnectorFailure f && f.leftoverReason().isPresent()) {
            return f.leftoverReason().get();
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        if (e instanceof ConnectorFailure) {
            int colon = m.indexOf(": ");
            int semicolon = m.indexOf("; ", colon + 2);
            if (colon >= 0 && semicolon > colon) {
                return m.substring(colon + 2, semicolon);
            }
        }
        return m;
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
}
