package dev.mirrorflow.bench;

import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.postgres.slot.Lsn;
import dev.mirrorflow.connector.postgres.setup.SourceSchemaReader;
import dev.mirrorflow.connector.postgres.destination.PostgresDestination;
import dev.mirrorflow.connector.postgres.stream.StreamLoop;
import dev.mirrorflow.connector.postgres.stream.ChangeStreamSettings;
import dev.mirrorflow.connector.postgres.stream.PostgresChangeStream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * bench/cdc.sh's mirrorflow side: streams slots into destination databases through the real
 * change stream and destination apply until the given LSN is confirmed. It runs one round per
 * line read from standard input, in one JVM, like a worker that keeps running, so the script can
 * interleave rounds with its baseline runs; it prints each round's time as {@code seconds: N}
 * and, at the end of input, the peak resident memory. Not a test.
 *
 * <p>Arguments: source JDBC URL, publication, end LSN. Each input line: {@code slot destination
 * JDBC URL}.
 */
public final class CdcBench {

    public static void main(String[] args) throws Exception {
        String sourceUrl = args[0];
        String publication = args[1];
        Lsn end = Lsn.valueOf(args[2]);
        BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        int round = 0;
        for (String line = input.readLine(); line != null; line = input.readLine()) {
            String[] words = line.strip().split(" ");
            round(++round, sourceUrl, publication, end, words[0], words[1]);
        }
        System.out.printf("peak RSS: %s%n", peakRss());
    }

    private static void round(int round, String sourceUrl, String publication, Lsn end, String slot,
            String destinationUrl) throws Exception {
        String user = "mirrorflow";
        String password = "mirrorflow";

        PGSimpleDataSource destinationDb = new PGSimpleDataSource();
        destinationDb.setURL(destinationUrl);
        destinationDb.setUser(user);
        destinationDb.setPassword(password);

        Properties replicationProps = new Properties();
        replicationProps.setProperty("user", user);
        replicationProps.setProperty("password", password);
        replicationProps.setProperty("replication", "database");
        replicationProps.setProperty("assumeMinServerVersion", "9.4");
        replicationProps.setProperty("preferQueryMode", "simple");

        TableId table = new TableId("public", "bench");
        List<TableMapping> mappings = List.of(new TableMapping(table, table, Set.of()));
        try (Connection sql = DriverManager.getConnection(sourceUrl, user, password);
                Connection replication = DriverManager.getConnection(sourceUrl, replicationProps);
                PostgresDestination destination = new PostgresDestination(destinationDb)) {
            Map<TableId, TableSchema> schemas = new SourceSchemaReader(sql).read(List.of(table));
            destination.prepare("bench", mappings, List.copyOf(schemas.values()));

            ChangeStreamSettings settings = new ChangeStreamSettings(slot, publication, 20_000,
                    Duration.ofMillis(200), Duration.ofSeconds(10), Duration.ofSeconds(30));
            AtomicLong changes = new AtomicLong();
            AtomicLong applyNanos = new AtomicLong();
            long started = System.nanoTime();
            try (PostgresChangeStream stream = PostgresChangeStream.start(replication, sql, settings, Lsn.INVALID, 1)) {
                AtomicLong batches = new AtomicLong();
                new StreamLoop("bench").run(stream,
                        destination, () -> stream.confirmedPosition().compareTo(end) >= 0, () -> {},
                        (batch, applied, from, to) -> {
                            changes.addAndGet(batch.changes().size());
                            batches.incrementAndGet();
                            applyNanos.addAndGet(java.time.Duration.between(from, to).toNanos());
                        });
                double seconds = (System.nanoTime() - started) / 1e9;
                System.out.printf("round %d: %d changes in %d batches, %.3f s, of which applying and"
                        + " acknowledging %.3f s%n", round, changes.get(), batches.get(), seconds,
                        applyNanos.get() / 1e9);
                System.out.printf("seconds: %.3f%n", seconds);
                System.out.flush();
            }
        }
    }

    private static String peakRss() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                return (kb / 1024) + " MiB";
            }
        }
        return "unknown";
    }
}
