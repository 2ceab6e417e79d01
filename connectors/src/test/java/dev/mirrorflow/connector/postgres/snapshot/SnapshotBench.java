package dev.mirrorflow.connector.postgres.snapshot;

import dev.mirrorflow.connector.load.SnapshotLoadOptions;
import dev.mirrorflow.connector.load.TableLoad;
import dev.mirrorflow.connector.load.SnapshotLoadResult;
import dev.mirrorflow.connector.load.SnapshotProgressListener;
import dev.mirrorflow.connector.load.SnapshotLoad;
import com.sun.management.OperatingSystemMXBean;
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.CatalogConfig;
import dev.mirrorflow.catalog.NewMirror;
import dev.mirrorflow.catalog.StoredPeer;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableMapping;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The mirrorflow side of {@code bench/snapshot.sh}: initial loads of the given tables from the
 * source database into destination tables mirrorflow creates for the load (as a mirror's setup
 * does, through {@code PostgresDestination.prepare}), every partition importing one exported
 * snapshot as it would the slot's, each timed from the start of planning until the last table
 * has its primary key again and the last partition's catalog update.
 *
 * <p>It loads {@code --runs} times in this one JVM (default 2); before each run the destination
 * tables are dropped and created again as a resync does, and the cluster checkpointed as the
 * script does before the baseline. Run 1 is a cold worker:
 * the JIT compiles the copy path while it copies. Later runs are a worker that has loaded before,
 * as a long-running worker has. Each run prints one line,
 * {@code run=R rows=N seconds=S partitions=P worker_cpu_seconds=C}, the CPU being this JVM's over
 * the timed window.
 *
 * <p>Not a test. Arguments are {@code --name value} pairs: source, destination, catalog (JDBC
 * URLs), user, password, tables (comma separated), parallelism, rows-per-partition, generation
 * (of the first run; each further run takes the next), runs.
 */
public final class SnapshotBench {

    public static void main(String[] args) throws Exception {
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        String user = a.getOrDefault("user", "mirrorflow");
        String password = a.getOrDefault("password", "mirrorflow");
        String sourceUrl = required(a, "source");
        String destinationUrl = required(a, "destination");
        int parallelism = Integer.parseInt(a.getOrDefault("parallelism", "4"));
        long rowsPerPartition = Long.parseLong(a.getOrDefault("rows-per-partition", "250000"));
        int generation = Integer.parseInt(a.getOrDefault("generation", "1"));
        int runs = Integer.parseInt(a.getOrDefault("runs", "2"));
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

        try (Catalog catalog = Catalog.open(new CatalogConfig(required(a, "catalog"), user, password));
                Connection exporter = DriverManager.getConnection(sourceUrl, user, password)) {
            long mirrorId = catalog.mirrors().findLive("bench").map(m -> m.id()).orElseGet(() -> {
                catalog.peers().create(new StoredPeer("bench_src", "postgres", "{}", new byte[] {1}, "k1", null));
                catalog.peers().create(new StoredPeer("bench_dst", "postgres", "{}", new byte[] {1}, "k1", null));
                return catalog.mirrors().create(new NewMirror("bench", "bench_src", "bench_dst", "{}", "mirror/bench")).id();
            });
            List<TableLoad> tables = new ArrayList<>();
            for (String t : required(a, "tables").split(",")) {
                TableId id = TableId.parse(t.trim());
                tables.add(new TableLoad(new TableMapping(id, id, Set.of()), SnapshotFixture.readSchema(exporter, id)));
            }
            // The slot's snapshot in production; pg_export_snapshot() has the same import semantics.
            exporter.setAutoCommit(false);
            exporter.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            String snapshot;
            try (Statement st = exporter.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
                rs.next();
                snapshot = rs.getString(1);
            }
            SnapshotLoader loader = new SnapshotLoader(catalog,
                    () -> DriverManager.getConnection(sourceUrl, user, password),
                    () -> DriverManager.getConnection(destinationUrl, user, password),
                    new SnapshotLoadOptions(parallelism, rowsPerPartition, Duration.ofSeconds(10)));

            org.postgresql.ds.PGSimpleDataSource destinationData = new org.postgresql.ds.PGSimpleDataSource();
            destinationData.setUrl(destinationUrl);
            destinationData.setUser(user);
            destinationData.setPassword(password);
            List<TableMapping> mappings = tables.stream().map(TableLoad::mapping).toList();
            for (int run = 1; run <= runs; run++) {
                try (dev.mirrorflow.connector.postgres.destination.PostgresDestination destination =
                        new dev.mirrorflow.connector.postgres.destination.PostgresDestination(destinationData)) {
                    destination.forgetForResync("bench", mappings);
                    destination.prepare("bench", mappings, tables.stream().map(TableLoad::sourceSchema).toList());
                }
                checkpoint(destinationUrl, user, password);
                SnapshotLoad load = new SnapshotLoad(mirrorId, "bench", generation + run - 1);
                long cpuBefore = os.getProcessCpuTime();
                long started = System.nanoTime();
                SnapshotLoadResult result = loader.run(load, tables, Optional.of(snapshot),
                        SnapshotProgressListener.NONE, () -> false);
                double seconds = (System.nanoTime() - started) / 1e9;
                double cpuSeconds = (os.getProcessCpuTime() - cpuBefore) / 1e9;
                if (!result.isComplete() || result.exportedSnapshotLost()) {
                    throw new IllegalStateException("the benchmark load did not complete on its snapshot: " + result);
                }
                System.out.printf("run=%d rows=%d seconds=%.3f partitions=%d worker_cpu_seconds=%.3f%n", run,
                        result.rowsCopied(), seconds, result.partitionsDone(), cpuSeconds);
            }
        }
    }

    private static void checkpoint(String url, String user, String password) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password); Statement st = c.createStatement()) {
            st.execute("CHECKPOINT");
        }
    }

    private static String required(Map<String, String> args, String name) {
        String v = args.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }
}
