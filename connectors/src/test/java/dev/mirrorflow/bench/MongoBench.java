package dev.mirrorflow.bench;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.ClientSession;
import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.DeleteOneModel;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import com.mongodb.client.model.changestream.ChangeStreamDocument;
import com.mongodb.client.model.changestream.FullDocument;
import dev.mirrorflow.catalog.SnapshotPartition;
import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.Heartbeat;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.Value;
import dev.mirrorflow.connector.load.SnapshotLoad;
import dev.mirrorflow.connector.load.TableLoad;
import dev.mirrorflow.connector.mongo.document.DocumentMapping;
import dev.mirrorflow.connector.mongo.snapshot.IdPartition;
import dev.mirrorflow.connector.mongo.snapshot.IdPartitionPlanner;
import dev.mirrorflow.connector.mongo.snapshot.IdPartitionReader;
import dev.mirrorflow.connector.mongo.stream.MongoChangeStream;
import dev.mirrorflow.connector.mongo.stream.MongoStreamSettings;
import dev.mirrorflow.connector.mongo.stream.ResumeTokens;
import dev.mirrorflow.connector.postgres.destination.PostgresDestination;
import dev.mirrorflow.model.SnapshotSpec;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * bench/mongo.sh's body: on a scratch database of the dev-env mongod, the initial load of one
 * collection (mirrorflow's {@code _id} partitions read by {@link IdPartitionReader} and written
 * by the PostgreSQL destination's partition writer, as {@code MongoSource.load} does) against the
 * Java driver reading the same collection into nothing, then the change stream of a workload
 * (mirrorflow's {@link MongoChangeStream} applied by the destination, batch by batch, as a
 * running mirror does) against the driver reading the same change stream, with the same
 * {@code fullDocument: updateLookup}, into nothing. Each side runs {@code rounds} times,
 * interleaved, and its best round counts. Every mirrorflow round's destination table must end
 * with the collection's count of documents. Prints {@code ratio:} lines. Not a test.
 *
 * <p>Arguments: MongoDB URL (with its login), destination JDBC URL, documents, changes, rounds,
 * load parallelism and rows per partition (empty for a spec's defaults, {@link SnapshotSpec#DEFAULTS}).
 */
public final class MongoBench {

    /** The batch size of mirrorflow's partition reads, which the driver's baseline uses too. */
    private static final int READ_BATCH = IdPartitionReader.DEFAULT_BATCH_SIZE;

    public static void main(String[] args) throws Exception {
        String mongoUrl = args[0];
        String destinationUrl = args[1];
        int documents = Integer.parseInt(args[2]);
        int changes = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        int parallelism = args[5].isEmpty() ? SnapshotSpec.DEFAULTS.parallelism() : Integer.parseInt(args[5]);
        long rowsPerPartition = args[6].isEmpty() ? SnapshotSpec.DEFAULTS.rowsPerPartition() : Long.parseLong(args[6]);
        String database = "bench_mongo_" + Long.toHexString(System.nanoTime());

        PGSimpleDataSource destinationDb = new PGSimpleDataSource();
        destinationDb.setURL(destinationUrl);
        destinationDb.setUser("mirrorflow");
        destinationDb.setPassword("mirrorflow");
        try (MongoClient client = MongoClients.create(MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(mongoUrl)).build());
                PostgresDestination destination = new PostgresDestination(destinationDb)) {
            try {
                run(client, client.getDatabase(database).getCollection("bench", BsonDocument.class), destination,
                        destinationDb, documents, changes, rounds, parallelism, rowsPerPartition);
            } finally {
                client.getDatabase(database).drop();
            }
        }
    }

    private static void run(MongoClient client, MongoCollection<BsonDocument> bench, PostgresDestination destination,
            PGSimpleDataSource destinationDb, int documents, int changes, int rounds, int parallelism,
            long rowsPerPartition) throws Exception {
        MongoCollection<Document> writer = bench.withDocumentClass(Document.class);
        System.out.printf("bench[load]: writing %d documents ...%n", documents);
        List<Object> ids = new ArrayList<>();
        List<Document> chunk = new ArrayList<>();
        for (int i = 0; i < documents; i++) {
            ObjectId id = new ObjectId();
            ids.add(id);
            chunk.add(document(id, i));
            if (chunk.size() == 1_000 || i == documents - 1) {
                writer.insertMany(chunk);
                chunk.clear();
            }
        }
        DocumentMapping mapping = new DocumentMapping(bench.getNamespace().getDatabaseName(), "bench", List.of());
        double loadBase = Double.MAX_VALUE;
        double loadMirrorflow = Double.MAX_VALUE;
        double copyCeiling = Double.MAX_VALUE;
        for (int r = 1; r <= rounds; r++) {
            long started = System.nanoTime();
            long read = 0;
            try (MongoCursor<RawBsonDocument> cursor = bench.withDocumentClass(RawBsonDocument.class).find()
                    .batchSize(READ_BATCH).iterator()) {
                while (cursor.hasNext()) {
                    cursor.next();
                    read++;
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("bench[load]: round %d/%d: driver find into nothing: %d documents, %.2fs%n", r, rounds,
                    read, seconds);
            loadBase = Math.min(loadBase, seconds);

            // Not in the ratio: where mirrorflow's time goes (decoding, JSON, the destination).
            started = System.nanoTime();
            long decoded = 0;
            try (MongoCursor<BsonDocument> cursor = bench.find().batchSize(READ_BATCH).iterator()) {
                while (cursor.hasNext()) {
                    cursor.next();
                    decoded++;
                }
            }
            System.out.printf("bench[load]: round %d/%d: (info) driver find decoding BsonDocument: %d documents,"
                    + " %.2fs%n", r, rounds, decoded, (System.nanoTime() - started) / 1e9);
            started = System.nanoTime();
            decoded = 0;
            try (MongoCursor<BsonDocument> cursor = bench.find().sort(new Document("_id", 1)).hint(new Document("_id", 1))
                    .batchSize(READ_BATCH).iterator()) {
                while (cursor.hasNext()) {
                    cursor.next();
                    decoded++;
                }
            }
            System.out.printf("bench[load]: round %d/%d: (info) driver find in _id order (as a partition reads),"
                    + " decoding BsonDocument: %d documents, %.2fs%n", r, rounds, decoded,
                    (System.nanoTime() - started) / 1e9);
            started = System.nanoTime();
            List<Value[]> rows = new ArrayList<>(documents);
            for (IdPartition p : IdPartitionPlanner.plan(bench, documents)) {
                new IdPartitionReader(bench, mapping, READ_BATCH).read(p, rows::add, Heartbeat.NONE);
            }
            System.out.printf("bench[load]: round %d/%d: (info) mirrorflow read + convert to rows, no destination:"
                    + " %d rows, %.2fs%n", r, rounds, rows.size(), (System.nanoTime() - started) / 1e9);
            seconds = destinationOnly(destination, mapping, "bench_w" + r, rows);
            System.out.printf("bench[load]: round %d/%d: (info) the same rows from memory through the destination's"
                    + " partition writer, no MongoDB: %.2fs%n", r, rounds, seconds);
            expectRows(destinationDb, "bench_w" + r, documents);
            double[] ceiling = plainCopy(destinationDb, "bench_c" + r, rows);
            rows = null;
            System.out.printf("bench[load]: round %d/%d: (ceiling) the same rows from memory through one plain COPY"
                    + " into an unkeyed table: %.2fs, then its primary key built: %.2fs more%n", r, rounds, ceiling[0],
                    ceiling[1]);
            copyCeiling = Math.min(copyCeiling, ceiling[0]);
            expectRows(destinationDb, "bench_c" + r, documents);
            dropTable(destinationDb, "bench_c" + r);

            seconds = load(bench, mapping, destination, "bench_r" + r, parallelism, rowsPerPartition);
            System.out.printf("bench[load]: round %d/%d: mirrorflow load (parallelism %d, at most %d rows per"
                    + " partition): %.2fs%n", r, rounds, parallelism, rowsPerPartition, seconds);
            loadMirrorflow = Math.min(loadMirrorflow, seconds);
            expectRows(destinationDb, "bench_r" + r, documents);
        }

        String start = MongoChangeStream.startToken(client, settings(mapping, "bench_start"));
        System.out.printf("bench[stream]: writing %d changes (50%% inserts, 30%% updates, 20%% deletes) ...%n", changes);
        workload(writer, ids, changes, documents);
        // The last write of the workload marks its end: both readers stop at the event of its cluster time.
        BsonTimestamp end;
        try (ClientSession session = client.startSession()) {
            writer.insertOne(session, document(new ObjectId(), -1));
            end = session.getOperationTime();
        }
        long expected = bench.countDocuments();

        double streamBase = Double.MAX_VALUE;
        double streamMirrorflow = Double.MAX_VALUE;
        long events = 0;
        for (int r = 1; r <= rounds; r++) {
            long started = System.nanoTime();
            events = 0;
            try (MongoChangeStreamCursor<ChangeStreamDocument<RawBsonDocument>> cursor = bench
                    .withDocumentClass(RawBsonDocument.class).watch(RawBsonDocument.class)
                    .fullDocument(FullDocument.UPDATE_LOOKUP).resumeAfter(ResumeTokens.parse(start))
                    .batchSize(10_000).maxAwaitTime(500, TimeUnit.MILLISECONDS).cursor()) {
                while (true) {
                    ChangeStreamDocument<RawBsonDocument> event = cursor.tryNext();
                    if (event == null) {
                        continue;
                    }
                    events++;
                    if (event.getClusterTime().compareTo(end) >= 0) {
                        break;
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("bench[stream]: round %d/%d: driver change stream into nothing: %d events, %.2fs%n", r,
                    rounds, events, seconds);
            streamBase = Math.min(streamBase, seconds);

            String table = "bench_r" + r;
            started = System.nanoTime();
            long rows = 0;
            long batches = 0;
            try (MongoChangeStream stream = MongoChangeStream.open(client, settings(mapping, table), start, 1)) {
                while (ResumeTokens.clusterTime(stream.confirmedPosition()).compareTo(end) < 0) {
                    Optional<ChangeBatch> batch = stream.nextBatch(() -> false, () -> {});
                    if (batch.isPresent()) {
                        destination.apply(table, batch.get());
                        stream.acknowledge(batch.get());
                        rows += batch.get().changes().size();
                        batches++;
                    }
                }
            }
            seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("bench[stream]: round %d/%d: mirrorflow change stream + apply: %d changes in %d"
                    + " batches, %.2fs%n", r, rounds, rows, batches, seconds);
            streamMirrorflow = Math.min(streamMirrorflow, seconds);
            expectRows(destinationDb, table, expected);
        }

        double loadRatio = loadBase / loadMirrorflow;
        double streamRatio = streamBase / streamMirrorflow;
        System.out.printf("bench[load]: %d documents; best of %d: driver %.0f docs/s (%.2fs), mirrorflow %.0f docs/s"
                + " (%.2fs); destination counts equal%n", documents, rounds, documents / loadBase, loadBase,
                documents / loadMirrorflow, loadMirrorflow);
        System.out.printf("bench[stream]: %d events; best of %d: driver %.0f events/s (%.2fs), mirrorflow %.0f"
                + " events/s (%.2fs); destination counts equal%n", events, rounds, events / streamBase, streamBase,
                events / streamMirrorflow, streamMirrorflow);
        System.out.printf("bench[load]: ceiling: one plain COPY of the converted rows into an unkeyed table, best of"
                + " %d: %.2fs, %.2fx the driver's read; mirrorflow's load takes %.2fx that COPY's time%n", rounds,
                copyCeiling, loadBase / copyCeiling, loadMirrorflow / copyCeiling);
        System.out.printf("ratio: load %.2f (target >= 0.5)%n", loadRatio);
        System.out.printf("ratio: stream %.2f (target >= 0.5)%n", streamRatio);
    }

    /** A document with the types the mapping keeps: numbers, a 64-bit integer, a decimal, a date, a sub-document. */
    private static Document document(Object id, int i) {
        return new Document("_id", id).append("n", i).append("big", (long) i * 10_000_000_000L)
                .append("price", new Decimal128(new BigDecimal(i + ".25"))).append("at", new Date(1_700_000_000_000L + i))
                .append("name", "customer " + i).append("tags", List.of("a", "b", "c" + (i % 10)))
                .append("address", new Document("street", i + " Main Street").append("city", "Springfield")
                        .append("zip", String.format("%05d", i % 100_000)));
    }

    /**
     * The load as {@code MongoSource.load} runs it under the spec's {@code snapshot} settings:
     * partitions of about {@code rowsPerPartition} documents, copied by up to {@code parallelism}
     * workers (no more than there are partitions, as the shared loader does), each with its own
     * reader and partition writer.
     */
    private static double load(MongoCollection<BsonDocument> bench, DocumentMapping mapping,
            PostgresDestination destination, String table, int parallelism, long rowsPerPartition) throws Exception {
        TableLoad tableLoad = prepare(destination, mapping, table);
        SnapshotLoad snapshot = new SnapshotLoad(Math.abs(table.hashCode()), table, 1);
        long started = System.nanoTime();
        destination.prepareLoad(snapshot, List.of(tableLoad), true);
        List<IdPartition> partitions = IdPartitionPlanner.plan(bench, IdPartitionPlanner.documentsPerPartition(
                bench.estimatedDocumentCount(), rowsPerPartition, parallelism));
        int workerCount = Math.min(parallelism, partitions.size());
        ExecutorService workers = Executors.newFixedThreadPool(workerCount);
        try {
            List<Future<?>> done = new ArrayList<>();
            java.util.concurrent.ConcurrentLinkedQueue<IdPartition> queue =
                    new java.util.concurrent.ConcurrentLinkedQueue<>(partitions);
            for (int w = 0; w < workerCount; w++) {
                done.add(workers.submit(() -> {
                    try (var writer = destination.openPartitionWriter(snapshot)) {
                        IdPartitionReader reader = new IdPartitionReader(bench, mapping, READ_BATCH);
                        for (IdPartition p = queue.poll(); p != null; p = queue.poll()) {
                            IdPartition partition = p;
                            writer.write(tableLoad, marker(snapshot, tableLoad, p.index(), p.rangeStart(), p.rangeEnd()),
                                    sink -> reader.read(partition, sink::row, Heartbeat.NONE));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            workers.shutdownNow();
        }
        destination.finishLoad(snapshot, List.of(tableLoad));
        return (System.nanoTime() - started) / 1e9;
    }

    /** Rows already in memory written as one partition: what the destination alone costs. */
    private static double destinationOnly(PostgresDestination destination, DocumentMapping mapping, String table,
            List<Value[]> rows) throws Exception {
        TableLoad tableLoad = prepare(destination, mapping, table);
        SnapshotLoad snapshot = new SnapshotLoad(Math.abs(table.hashCode()), table, 1);
        long started = System.nanoTime();
        destination.prepareLoad(snapshot, List.of(tableLoad), true);
        try (var writer = destination.openPartitionWriter(snapshot)) {
            writer.write(tableLoad, marker(snapshot, tableLoad, 0, null, null), sink -> {
                for (Value[] row : rows) {
                    sink.row(row);
                }
                return rows.size();
            });
        }
        destination.finishLoad(snapshot, List.of(tableLoad));
        return (System.nanoTime() - started) / 1e9;
    }

    /**
     * The ceiling of what PostgreSQL takes on this machine: the rows copied by one plain text
     * COPY, with nothing of mirrorflow's around it, into an unkeyed table of the same columns,
     * then that table's primary key built.
     *
     * @return the COPY's seconds and the key's
     */
    private static double[] plainCopy(PGSimpleDataSource db, String table, List<Value[]> rows) throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            // No autovacuum: its pass over these rows would run beside the next measurement.
            s.execute("CREATE TABLE public." + table + " (_id text NOT NULL, doc jsonb) WITH (autovacuum_enabled = false)");
            long started = System.nanoTime();
            org.postgresql.copy.CopyIn copy = c.unwrap(org.postgresql.PGConnection.class).getCopyAPI()
                    .copyIn("COPY public." + table + " (_id, doc) FROM STDIN");
            StringBuilder text = new StringBuilder(1 << 18);
            for (Value[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    if (i > 0) {
                        text.append('\t');
                    }
                    if (row[i] instanceof Value.Text t) {
                        escapeForCopy(t.text(), text);
                    } else {
                        text.append("\\N");
                    }
                }
                text.append('\n');
                if (text.length() >= 1 << 18) {
                    byte[] bytes = text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    copy.writeToCopy(bytes, 0, bytes.length);
                    text.setLength(0);
                }
            }
            byte[] bytes = text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            copy.writeToCopy(bytes, 0, bytes.length);
            copy.endCopy();
            double copied = (System.nanoTime() - started) / 1e9;
            started = System.nanoTime();
            s.execute("ALTER TABLE public." + table + " ADD PRIMARY KEY (_id)");
            return new double[] {copied, (System.nanoTime() - started) / 1e9};
        }
    }

    private static void dropTable(PGSimpleDataSource db, String table) throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE public." + table);
        }
    }

    private static void escapeForCopy(String value, StringBuilder out) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            switch (ch) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(ch);
            }
        }
    }

    private static TableLoad prepare(PostgresDestination destination, DocumentMapping mapping, String table) {
        TableId destinationTable = new TableId("public", table);
        destination.prepare(table, List.of(new TableMapping(mapping.source(), destinationTable, Set.of())),
                List.of(mapping.schema()));
        return new TableLoad(new TableMapping(mapping.source(), destinationTable, Set.of()), mapping.schema());
    }

    private static SnapshotPartition marker(SnapshotLoad snapshot, TableLoad table, int index, String start, String end) {
        return new SnapshotPartition(snapshot.mirrorId(), 1, table.partitionTableName(), index,
                start == null ? "" : start, end == null ? "" : end, SnapshotPartition.State.RUNNING, 0, 0, null, null);
    }

    private static MongoStreamSettings settings(DocumentMapping mapping, String mirror) {
        return new MongoStreamSettings(mirror, List.of(mapping), 20_000, Duration.ofMillis(200),
                Duration.ofSeconds(10));
    }

    private static void workload(MongoCollection<Document> writer, List<Object> ids, int changes, int documents) {
        int inserts = changes / 2;
        int updates = changes * 3 / 10;
        int deletes = changes / 5;
        List<Document> chunk = new ArrayList<>();
        for (int i = 0; i < inserts; i++) {
            chunk.add(document(new ObjectId(), documents + i));
            if (chunk.size() == 1_000 || i == inserts - 1) {
                writer.insertMany(chunk);
                chunk.clear();
            }
        }
        List<WriteModel<Document>> writes = new ArrayList<>();
        for (int i = 0; i < updates + deletes; i++) {
            Object id = ids.get(i % ids.size());
            writes.add(i < updates ? new UpdateOneModel<>(Filters.eq("_id", id), Updates.inc("n", 1_000_000))
                    : new DeleteOneModel<>(Filters.eq("_id", ids.get(ids.size() - 1 - (i - updates) % ids.size()))));
            if (writes.size() == 1_000 || i == updates + deletes - 1) {
                writer.bulkWrite(writes);
                writes.clear();
            }
        }
    }

    private static void expectRows(PGSimpleDataSource db, String table, long expected) throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM public." + table)) {
            rs.next();
            if (rs.getLong(1) != expected) {
                throw new AssertionError("MISMATCH: public." + table + " has " + rs.getLong(1) + " rows, the collection "
                        + expected + " documents");
            }
        }
    }
}
