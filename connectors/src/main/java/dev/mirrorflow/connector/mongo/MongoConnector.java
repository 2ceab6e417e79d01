package dev.mirrorflow.connector.mongo;

import dev.mirrorflow.connector.CaughtUpProbe;
import dev.mirrorflow.connector.Connector;
import dev.mirrorflow.connector.Lag;
import dev.mirrorflow.connector.MirrorCheck;
import dev.mirrorflow.connector.MirrorSession;
import dev.mirrorflow.connector.PeerCodec;
import dev.mirrorflow.connector.PeerConfig;
import dev.mirrorflow.connector.PeerType;
import dev.mirrorflow.connector.Source;
import dev.mirrorflow.model.MirrorSpec;
import java.util.List;

/**
 * The MongoDB connector, as {@link dev.mirrorflow.connector.Connectors} offers it: peers ({@code
 * peer create}, {@code peer check}) work; what a mirror from a MongoDB source needs (the create-time
 * checks, lag, the caught-up probe, the source itself) comes with the MongoDB source and throws
 * until then. A MongoDB peer is never a destination.
 */
public final class MongoConnector implements Connector {

    private final PeerCodec codec = new MongoPeerCodec();

    @Override
    public PeerType type() {
        return PeerType.MONGODB;
    }

    @Override
    public PeerCodec codec() {
        return codec;
    }

    @Override
    public void ping(String peerName, PeerConfig peer) {
        MongoProbe.ping(peerName, MongoPeerCodec.of(peer));
    }

    /** {@link MongoProbe}'s report without its first line, which the caller prints itself. */
    @Override
    public List<String> describe(String peerName, PeerConfig peer) {
        List<String> lines = MongoProbe.probe(peerName, MongoPeerCodec.of(peer)).lines();
        return lines.subList(1, lines.size());
    }

    @Override
    public void validateMirror(MirrorCheck check) {
        MongoMirrors.validate(check);
    }

    /** Without the applied position a MongoDB source cannot tell: it keeps no record of the mirror's. */
    @Override
    public Lag lag(PeerConfig source, MirrorSpec mirror) {
        return Lag.unavailable("the lag of a MongoDB mirror is measured against its last applied batch");
    }

    @Override
    public Lag lag(PeerConfig source, MirrorSpec mirror, java.util.Optional<String> applied) {
        return MongoMirrors.lag(MongoPeerCodec.of(source), applied);
    }

    @Override
    public CaughtUpProbe caughtUp(PeerConfig source, MirrorSpec mirror) {
        throw new IllegalStateException("a MongoDB mirror is caught up by its last applied batch, which the caller"
                + " must give");
    }

    @Override
    public CaughtUpProbe caughtUp(PeerConfig source, MirrorSpec mirror,
            java.util.function.Supplier<java.util.Optional<String>> applied) {
        return MongoMirrors.caughtUp(MongoPeerCodec.of(source), applied);
    }

    @Override
    public Source source(MirrorSession session, PeerConfig peer, PeerConfig destination) {
        return new MongoSource(session, MongoPeerCodec.of(peer));
    }

    /** A resume token as its cluster time (seconds since the epoch and the operation's ordinal), with the time it is. */
    @Override
    public String describePosition(String position) {
        try {
            org.bson.BsonTimestamp t = dev.mirrorflow.connector.mongo.stream.ResumeTokens.clusterTime(position);
            return "cluster time " + t.getTime() + "." + t.getInc() + " ("
                    + dev.mirrorflow.connector.mongo.stream.ResumeTokens.instant(t) + ")";
        } catch (RuntimeException notAToken) {
            return position;
        }
    }
}
