package dev.mirrorflow.connector.postgres;

import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.ScratchDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A small PostgreSQL cluster of one test's own, for what must not happen on the shared dev-env
 * server (filling every replication slot would break every test running beside it): initdb into
 * a temporary directory, started on a free port with {@code wal_level = logical} and the given
 * number of replication slots, stopped and deleted on close. initdb refuses to run as root, so as
 * root the cluster runs as the dev environment's PostgreSQL system user, as scripts/dev-env.sh
 * does it.
 */
public final class PrivateCluster implements AutoCloseable {

    private static final String OS_USER = System.getenv().getOrDefault("MIRRORFLOW_DEV_PG_OS_USER", "mirrorflow-pg");

    private final Path dir;
    private final Path bin;
    private final int port;
    private final boolean root;

    private PrivateCluster(Path dir, Path bin, int port, boolean root) {
        this.dir = dir;
        this.bin = bin;
        this.port = port;
        this.root = root;
    }

    /** Creates and starts a cluster with {@code maxReplicationSlots} slots; its superuser is the dev env's. */
    public static PrivateCluster start(int maxReplicationSlots) throws Exception {
        Path bin = postgresBin();
        boolean root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        // Under /tmp rather than a JUnit temporary directory, which only root could enter.
        Path dir = Files.createTempDirectory("mirrorflow-private-pg-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        if (root) {
            UserPrincipal owner;
            try {
                owner = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER);
            } catch (UserPrincipalNotFoundException e) {
                Files.delete(dir);
                throw new AssertionError("as root, the private cluster runs as system user " + OS_USER
                        + ", which does not exist; scripts/dev-env.sh up creates it (or set MIRRORFLOW_DEV_PG_OS_USER)");
            }
            Files.setOwner(dir, owner);
        }
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        PrivateCluster cluster = new PrivateCluster(dir, bin, port, root);
        try {
            cluster.asOwner("sh", "-c", "umask 077 && printf '%s\\n' \"$0\" > \"$1\"", ScratchDatabase.PASSWORD,
                    dir.resolve("pwfile").toString());
            cluster.asOwner(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(),
                    "-U", ScratchDatabase.USER, "--pwfile=" + dir.resolve("pwfile"), "--auth-host=scram-sha-256",
                    "--auth-local=trust", "-E", "UTF8", "--locale=C", "--no-sync");
            String settings = String.join(" ",
                    "-c listen_addresses=127.0.0.1", "-c port=" + port, "-c unix_socket_directories=" + dir,
                    "-c wal_level=logical", "-c max_replication_slots=" + maxReplicationSlots,
                    "-c max_wal_senders=" + (maxReplicationSlots + 2), "-c shared_buffers=16MB", "-c fsync=off",
                    "-c max_connections=20");
            cluster.asOwner(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(),
                    "-l", dir.resolve("postgres.log").toString(), "-o", settings, "-w", "-t", "60", "start");
            // A test JVM that is stopped before close() (a fork timeout) must not leave it running.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    cluster.close();
                } catch (Exception ignored) {
                    // Closed already, or the JVM is going away regardless.
                }
            }, "private-pg-stop"));
            return cluster;
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
    }

    /** A peer for database {@code database} of this cluster, as its superuser. */
    public PostgresPeer peer(String database) {
        return PostgresPeer.of("127.0.0.1", port, database, ScratchDatabase.USER, ScratchDatabase.PASSWORD);
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database,
                ScratchDatabase.USER, ScratchDatabase.PASSWORD);
    }

    @Override
    public synchronized void close() throws Exception {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            if (Files.exists(dir.resolve("data").resolve("postmaster.pid"))) {
                asOwner(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(),
                        "-m", "immediate", "-w", "-t", "60", "stop");
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Runs a command as the cluster's owner, failing with its output when it fails or takes over 2 minutes. */
    private void asOwner(String... command) throws Exception {
        List<String> all = new ArrayList<>();
        if (root) {
            all.addAll(List.of("runuser", "-u", OS_USER, "--"));
        }
        all.addAll(List.of(command));
        Path output = Files.createTempFile("mirrorflow-private-pg", ".out");
        Process process = new ProcessBuilder(all).redirectErrorStream(true).redirectOutput(output.toFile())
                .directory(dir.toFile()).start();
        try {
            boolean done = process.waitFor(2, TimeUnit.MINUTES);
            String printed = Files.readString(output);
            assertThat(done).as("%s finished within 2 minutes: %s", command[0], printed).isTrue();
            assertThat(process.exitValue()).as("%s: %s", String.join(" ", all), printed).isZero();
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(output);
        }
    }

    /** Where initdb and pg_ctl are: on the PATH, or where Debian installs the newest server. */
    private static Path postgresBin() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "initdb")) && Files.isExecutable(Path.of(dir, "pg_ctl"))) {
                return Path.of(dir);
            }
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                List<Path> bins = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                        .sorted(Comparator.comparing(b -> versionOf(b.getParent()))).toList();
                if (!bins.isEmpty()) {
                    return bins.get(bins.size() - 1);
                }
            }
        }
        throw new AssertionError("initdb not found on the PATH or under /usr/lib/postgresql; scripts/dev-env.sh up"
                + " installs PostgreSQL");
    }

    private static int versionOf(Path versionDir) {
        try {
            return Integer.parseInt(versionDir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
