package dev.mirrorflow.connector;

import dev.mirrorflow.connector.postgres.PostgresConnector;
import dev.mirrorflow.connector.postgres.slot.SlotAcquirer;
import dev.mirrorflow.connector.postgres.slot.SlotAcquisitionMetrics;
import dev.mirrorflow.connector.postgres.slot.SlotRetryPolicy;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
                postgres),
                postgres);
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
     * The slot acquirer the PostgreSQL connector's loads and streams use (its retry policy and
     * metrics), for the activities' constructor until they find their source through this
     * lookup. Callers keep it as what it is returned as, without naming its type.
     */
    public SlotAcquirer postgresSlotAcquirer() {
        return postgres.slotAcquirer();
    }
}
