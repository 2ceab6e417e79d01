package dev.mirrorflow.cli;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import dev.mirrorflow.activities.MirrorSpecJson;
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.catalog.StoredPeer;
import dev.mirrorflow.connector.Connectors;
import dev.mirrorflow.connector.Lag;
import dev.mirrorflow.connector.PeerConfig;
import dev.mirrorflow.connector.PeerStore;
import dev.mirrorflow.connector.UnknownPeerException;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.worker.SecretKeySource;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * How far a mirror's stream is behind its source, as the source's connector measures it (for a
 * PostgreSQL source: the source's current WAL position minus the position the slot has
 * confirmed, i.e. WAL the destination has not got yet, or quiet WAL not yet confirmed). Asked of
 * the source with short timeouts; status works without it.
 */
record SourceLag(Long bytes, Long seconds, String unavailableBecause, String position) {

    /**
     * Starts measuring the lag: what it needs from the catalog (the source peer's row) is read
     * here, on the caller's thread (a command's catalog connection is not shared between threads);
     * the key, the decryption and the question to the source run on a thread of their own, so that
     * the caller reads the rest of the catalog meanwhile. The supplier waits for the answer.
     *
     * @param applied the position of the mirror's last applied batch, or null before the first
     */
    static Supplier<SourceLag> start(Catalog catalog, MirrorRow mirror, String applied, Path stateDir,
            Function<String, String> environment) {
        StoredPeer stored;
        try {
            stored = catalog.peers().find(mirror.sourcePeer())
                    .orElseThrow(() -> new UnknownPeerException(mirror.sourcePeer()));
        } catch (Exception e) {
            SourceLag unreachable = unreachable(e);
            return () -> unreachable;
        }
        CompletableFuture<SourceLag> answer = new CompletableFuture<>();
        Thread asking = new Thread(() -> {
            // The source's connector may log; logging may still be starting on another thread.
            LoggingStart.await();
            SourceLag lag;
            try {
                MirrorSpec spec = MirrorSpecJson.read(mirror.spec());
                PeerConfig peer = PeerStore.open(stored,
                        new SecretKeySource(stateDir, environment).existing().orElse(null));
                lag = of(peer, spec, applied);
            } catch (Exception | LinkageError e) {
                lag = unreachable(e);
            }
            answer.complete(lag);
        }, "mirrorflow-cli-source-lag");
        asking.setDaemon(true);
        asking.start();
        return answer::join;
    }

    /**
     * A stored spec of the smallest kind: reading one first makes the spec reader (its
     * deserializers, built on first use) ready before a command needs it.
     */
    static final String WARM_UP_SPEC = "{\"name\": \"m\", \"source\": \"a\", \"destination\": \"b\","
            + " \"tables\": [{\"source\": \"public.t\", \"destination\": \"public.t\"}]}";

    /** Readies the spec reader that measuring the lag starts with (see {@link LoggingStart}). */
    static void warmUp() {
        MirrorSpecJson.read(WARM_UP_SPEC);
    }

    private static SourceLag of(PeerConfig peer, MirrorSpec spec, String applied) {
        try {
            dev.mirrorflow.connector.Connector connector = Connectors.standard().of(peer);
            Lag lag = connector.lag(peer, spec, java.util.Optional.ofNullable(applied));
            return new SourceLag(lag.bytes(), lag.seconds(), lag.unavailableBecause(),
                    applied == null ? null : connector.describePosition(applied));
        } catch (Exception | LinkageError e) {
            return unreachable(e);
        }
    }

    private static SourceLag unreachable(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        return new SourceLag(null, null, "source not reachable: " + m, null);
    }

    String render() {
        if (seconds != null) {
            return seconds + " s behind the source";
        }
        if (bytes == null) {
            return "unknown (" + unavailableBecause + ")";
        }
        if (bytes < 1024) {
            return bytes + " bytes of WAL behind the source";
        }
        return String.format("%.1f %s of WAL behind the source", bytes >= 1 << 20 ? bytes / 1048576.0 : bytes / 1024.0,
                bytes >= 1 << 20 ? "MiB" : "KiB");
    }
}
