package dev.mirrorflow.connector.mongo;

import com.mongodb.client.MongoClient;
import dev.mirrorflow.connector.CaughtUpProbe;
import dev.mirrorflow.connector.Lag;
import dev.mirrorflow.connector.MirrorCheck;
import dev.mirrorflow.connector.MirrorCheckException;
import dev.mirrorflow.connector.PeerType;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.mongo.document.DocumentMapping;
import dev.mirrorflow.connector.mongo.stream.ResumeTokens;
import dev.mirrorflow.connector.postgres.check.PostgresMirrorChecks;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.TableSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.bson.BsonTimestamp;
import org.bson.Document;

/**
 * What a MongoDB mirror needs of the CLI's side of the seam: the checks {@code mirror create}
 * makes before anything is written, the lag {@code mirror status} shows, and the caught-up probe
 * of {@code mirror wait --caught-up}. The MongoDB connector delegates to these.
 */
public final class MongoMirrors {

    private MongoMirrors() {}

    /**
     * The source must be a replica set or a sharded cluster (a standalone has no change
     * streams), take no PostgreSQL options, and have every mapped collection; the destination's
     * own checks follow.
     */
    public static void validate(MirrorCheck check) {
        MongoPeer source = MongoPeerCodec.of(check.source());
        MirrorSpec mirror = check.mirror();
        mirror.sourceOptions().firstKeyNotIn(List.of()).ifPresent(key -> {
            throw new MirrorCheckException("mirror " + mirror.name() + ": " + key + " is an option of PostgreSQL"
                    + " sources; peer " + mirror.source() + " is a MongoDB peer; take sourceOptions." + key
                    + " out of the spec");
        });
        Map<TableId, TableSchema> schemas = new LinkedHashMap<>();
        try (MongoClient client = MongoPeerClients.open(source, MongoPeerClients.FOR_PROMPT)) {
            Document hello = client.getDatabase("admin").runCommand(new Document("hello", 1));
            if (hello.get("setName") == null && !"isdbgrid".equals(hello.get("msg"))) {
                throw new MirrorCheckException("peer " + mirror.source() + " (" + source.location() + ") is a"
                        + " standalone mongod, which has no change streams; run it as a replica set (even of one"
                        + " member: --replSet, then rs.initiate())");
            }
            for (TableSpec table : check.checked().tables()) {
                TableId id = TableId.parse(table.source());
                List<String> names = client.getDatabase(id.schema()).listCollectionNames().into(new ArrayList<>());
                if (!names.contains(id.name())) {
                    throw new MirrorCheckException("mirror " + mirror.name() + ": collection " + id + " does not exist"
                            + " at " + source.location() + "; create it or take it out of the spec");
                }
                schemas.put(id, new DocumentMapping(id.schema(), id.name(), table.exclude()).schema());
            }
        } catch (MirrorCheckException | IllegalArgumentException e) {
            throw e instanceof IllegalArgumentException ? new MirrorCheckException("mirror " + mirror.name() + ": "
                    + e.getMessage()) : (MirrorCheckException) e;
        } catch (com.mongodb.MongoException e) {
            throw MongoFailureClassifier.classify(e, "peer " + mirror.source(), "checking the mirror's collections",
                    source);
        }
        if (check.destination().type() == PeerType.POSTGRES) {
            PostgresMirrorChecks.validateDestination(check, schemas);
        }
    }

    /** The cluster time of the last applied batch against the server's now. */
    public static Lag lag(MongoPeer source, Optional<String> applied) {
        if (applied.isEmpty()) {
            return Lag.unavailable("no batch applied yet");
        }
        try (MongoClient client = MongoPeerClients.open(source, MongoPeerClients.FOR_PROMPT)) {
            return Lag.seconds(Math.max(0, ResumeTokens.lagSeconds(applied.get(),
                    ResumeTokens.currentClusterTime(client))));
        }
    }

    /**
     * A mark at the server's cluster time now: the mirror is caught up once the destination has
     * committed a batch whose position is at or past it (an idle stream's positions move on by
     * themselves, every few seconds).
     */
    public static CaughtUpProbe caughtUp(MongoPeer source, Supplier<Optional<String>> applied) {
        BsonTimestamp target;
        try (MongoClient client = MongoPeerClients.open(source, MongoPeerClients.FOR_PROMPT)) {
            target = ResumeTokens.currentClusterTime(client);
        }
        return new CaughtUpProbe() {
            private String position = "none";

            @Override
            public String target() {
                return describe(target);
            }

            @Override
            public boolean reached() {
                Optional<String> now = applied.get();
                if (now.isEmpty()) {
                    return false;
                }
                BsonTimestamp at = ResumeTokens.clusterTime(now.get());
                position = describe(at);
                return at.compareTo(target) >= 0;
            }

            @Override
            public String position() {
                return position;
            }

            @Override
            public void close() {}
        };
    }

    private static String describe(BsonTimestamp t) {
        return "cluster time " + t.getTime() + "." + t.getInc();
    }
}
