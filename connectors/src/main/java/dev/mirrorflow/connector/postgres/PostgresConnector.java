package dev.mirrorflow.connector.postgres;

import dev.mirrorflow.connector.CaughtUpProbe;
import dev.mirrorflow.connector.Connector;
import dev.mirrorflow.connector.Lag;
import dev.mirrorflow.connector.MirrorCheck;
import dev.mirrorflow.connector.PeerCodec;
import dev.mirrorflow.connector.PeerConfig;
import dev.mirrorflow.connector.PeerType;
import dev.mirrorflow.connector.postgres.check.PostgresMirrorChecks;
import dev.mirrorflow.connector.postgres.peer.PeerProbe;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.peer.PostgresPeerCodec;
import dev.mirrorflow.connector.postgres.slot.SlotAcquirer;
import dev.mirrorflow.connector.postgres.slot.SlotCaughtUpProbe;
import dev.mirrorflow.connector.postgres.slot.SlotPositions;
import dev.mirrorflow.model.MirrorSpec;
import java.sql.Connection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The PostgreSQL connector, as {@link dev.mirrorflow.connector.Connectors} offers it. */
public final class PostgresConnector implements Connector {

    /** How often a quiet source gets a logical message so that its slot keeps moving. */
    private static final java.time.Duration QUIET_SOURCE_HEARTBEAT = java.time.Duration.ofSeconds(30);

    private final PeerCodec codec = new PostgresPeerCodec();
    private final SlotAcquirer slotAcquirer;

    /** @param slotAcquirer how loads and streams take their slot (retry policy, metrics) */
    public PostgresConnector(SlotAcquirer slotAcquirer) {
        this.slotAcquirer = Objects.requireNonNull(slotAcquirer, "slotAcquirer");
    }

    public SlotAcquirer slotAcquirer() {
        return slotAcquirer;
    }

    @Override
    public PeerType type() {
        return PeerType.POSTGRES;
    }

    @Override
    public PeerCodec codec() {
        return codec;
    }

    @Override
    public void ping(String peerName, PeerConfig peer) {
        PeerProbe.ping(peerName, PostgresPeerCodec.of(peer));
    }

    @Override
    public List<String> describe(String peerName, PeerConfig peer) {
        PostgresPeer postgres = PostgresPeerCodec.of(peer);
        PeerProbe.ServerInfo server = PeerProbe.describe(peerName, postgres);
        return List.of(
                String.format("  server version  %s", server.version()),
                String.format("  wal_level       %s", "logical".equals(server.walLevel()) ? server.walLevel()
                        : server.walLevel() + " (a source needs logical: ALTER SYSTEM SET wal_level = logical, then"
                                + " restart PostgreSQL)"),
                String.format("  replication     %s", server.superuser() ? "yes (superuser)"
                        : server.replication() ? "yes"
                        : "no (a source's user needs it: ALTER ROLE " + postgres.user() + " REPLICATION)"));
    }

    @Override
    public void validateMirror(MirrorCheck check) {
        PostgresMirrorChecks.validate(check);
    }

    /**
     * The source's current WAL position minus the position the mirror's slot has confirmed, i.e.
     * WAL the destination has not got yet (or quiet WAL not yet confirmed).
     */
    @Override
    public Lag lag(PeerConfig source, MirrorSpec mirror) throws Exception {
        PostgresPeer peer = PostgresPeerCodec.of(source);
        Map<String, String> quick = new HashMap<>(peer.properties());
        quick.putIfAbsent("connectTimeout", "3");
        quick.putIfAbsent("loginTimeout", "3");
        quick.putIfAbsent("socketTimeout", "5");
        PostgresPeer fast = new PostgresPeer(peer.host(), peer.port(), peer.database(), peer.user(),
                peer.password(), quick);
        try (Connection c = fast.connect()) {
            return SlotPositions.read(c, mirror.slot(), 5)
                    .map(p -> Lag.bytes(p.unconfirmedBytes().orElse(0)))
                    .orElse(Lag.unavailable("no replication slot yet"));
        }
    }

    @Override
    public CaughtUpProbe caughtUp(PeerConfig source, MirrorSpec mirror) throws Exception {
        return SlotCaughtUpProbe.open(PostgresPeerCodec.of(source).connect(), mirror.slot());
    }

    @Override
    public dev.mirrorflow.connector.Source source(dev.mirrorflow.connector.MirrorSession session, PeerConfig peer,
            PeerConfig destination) {
        return new PostgresSource(session, PostgresPeerCodec.of(peer),
                destination.type() == PeerType.POSTGRES ? PostgresPeerCodec.of(destination) : null, slotAcquirer,
                QUIET_SOURCE_HEARTBEAT);
    }

    @Override
    public dev.mirrorflow.connector.Destination destination(PeerConfig peer) {
        return new dev.mirrorflow.connector.postgres.destination.PostgresDestination(PostgresPeerCodec.of(peer));
    }

    @Override
    public List<dev.mirrorflow.connector.Leftover> leftoversOfUnreadableSource(MirrorSpec mirror, String because) {
        return PostgresSource.leftoversWithoutPeer(mirror, because);
    }
}
