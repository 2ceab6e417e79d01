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
        throw notYet("checking a mirror from a MongoDB peer");
    }

    @Override
    public Lag lag(PeerConfig source, MirrorSpec mirror) {
        throw notYet("the lag of a mirror from a MongoDB peer");
    }

    @Override
    public CaughtUpProbe caughtUp(PeerConfig source, MirrorSpec mirror) {
        throw notYet("waiting for a mirror from a MongoDB peer to catch up");
    }

    @Override
    public Source source(MirrorSession session, PeerConfig peer, PeerConfig destination) {
        throw notYet("mirror " + session.name() + "'s MongoDB source");
    }

    private static IllegalStateException notYet(String what) {
        return new IllegalStateException(what + " comes with the MongoDB source, which this build does not have yet");
    }
}
