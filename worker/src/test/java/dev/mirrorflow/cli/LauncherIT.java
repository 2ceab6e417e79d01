package dev.mirrorflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.ScratchDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./mirrorflow} launcher on the jar this build made (package phase, so an IT), from a
 * copy of the checkout: the first command after a build writes the class-data-sharing archive
 * next to the jar, the next ones map it, and neither the exit code nor stdout is touched by it.
 */
class LauncherIT {

    private static final Path REPOSITORY = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();

    @TempDir Path checkout;

    record Run(int exit, String out, String err) {}

    private Run launch(Map<String, String> environment, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", checkout.resolve("mirrorflow").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(checkout.toFile())
                .redirectOutput(checkout.resolve("out").toFile()).redirectError(checkout.resolve("err").toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("MIRRORFLOW_") || name.startsWith("JAVA_TOOL"));
        builder.environment().put("MIRRORFLOW_STATE_DIR", Files.createDirectories(checkout.resolve("state")).toString());
        builder.environment().putAll(environment);
        Process p = builder.start();
        try {
            assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("mirrorflow %s finished", String.join(" ", args)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        return new Run(p.exitValue(), Files.readString(checkout.resolve("out")), Files.readString(checkout.resolve("err")));
    }

    @Test
    void shouldMakeTheClassArchiveOnceAndStartLaterCommandsWithIt() throws Exception {
        Files.copy(REPOSITORY.resolve("mirrorflow"), checkout.resolve("mirrorflow"));
        Path target = Files.createDirectories(checkout.resolve("worker/target"));
        Files.copy(REPOSITORY.resolve("worker/target/mirrorflow.jar"), target.resolve("mirrorflow.jar"));
        Path archive = target.resolve("mirrorflow.jsa");

        // The first command makes the archive; a failing one keeps its own exit code and message.
        Run unknown = launch(Map.of(), "nosuch");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err().strip()).isEqualTo("mirrorflow: unknown command 'nosuch'; see mirrorflow --help");
        assertThat(unknown.out()).isEmpty();
        assertThat(archive).isNotEmptyFile();
        try (var leftovers = Files.list(target)) {
            assertThat(leftovers.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder(
                    "mirrorflow.jar", "mirrorflow.jsa");
        }

        // -Xshare:on makes the JVM refuse to start when it cannot map the archive.
        Run version = launch(Map.of("MIRRORFLOW_JAVA_OPTS", "-Xshare:on"), "--version");
        assertThat(version.exit()).as(version.err()).isZero();
        assertThat(version.out().strip()).startsWith("mirrorflow ").doesNotContain("\n");
        assertThat(version.err()).isEmpty();

        // Whichever command made it, the archive holds the classes of mirrorflow, the driver and the
        // spec parser that other commands load: a create read ~860 classes from the jar after a ping.
        Files.writeString(checkout.resolve("m.yaml"), "name: m\nsource: a\ndestination: b\ntables:\n  - source: public.t\n");
        Path classes = checkout.resolve("classes.log");
        Run create = launch(Map.of("MIRRORFLOW_JAVA_OPTS", "-Xlog:class+load:file=" + classes,
                "MIRRORFLOW_CATALOG_URL", "jdbc:postgresql://127.0.0.1:1/nothing"), "mirror", "create", "-f", "m.yaml");
        assertThat(create.exit()).as(create.err()).isNotZero();
        List<String> fromJar = Files.readAllLines(classes).stream()
                .filter(line -> line.matches(".*\\] (dev\\.mirrorflow|org\\.postgresql|org\\.yaml|picocli)\\.\\S+ source: file:.*"))
                .map(line -> line.replaceFirst(".*\\] (\\S+) source: .*", "$1"))
                .toList();
        // picocli, built from its sources (its jar's Java 5 class files cannot be archived).
        assertThat(Files.readAllLines(classes)).anyMatch(line -> line.contains("picocli.CommandLine source: shared"));
        assertThat(Files.readAllLines(classes)).anyMatch(line -> line.contains("org.postgresql.Driver source: shared"));
        assertThat(fromJar).as("classes read from the jar instead of the archive").isEmpty();

        // Nor does it lack the JDK's TLS classes, which a login over TLS loads (managed databases
        // offer TLS, and pgjdbc prefers it): read from the JDK's modules they cost a command ~0.5 s.
        Path tlsClasses = checkout.resolve("tls-classes.log");
        try (ScratchDatabase catalog = ScratchDatabase.create("mirrorflow_launcher")) {
            Run list = launch(Map.of("MIRRORFLOW_JAVA_OPTS", "-Xlog:class+load:file=" + tlsClasses,
                    "MIRRORFLOW_CATALOG_URL", ScratchDatabase.SERVER_URL + catalog.name() + "?sslmode=require",
                    "MIRRORFLOW_CATALOG_USER", ScratchDatabase.USER,
                    "MIRRORFLOW_CATALOG_PASSWORD", ScratchDatabase.PASSWORD), "peer", "list");
            // Logged in over TLS offering secp256r1 first (MirrorflowCommand.preferP256KeyShares).
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.err()).doesNotContain("SSL");
        }
        List<String> tls = Files.readAllLines(tlsClasses);
        assertThat(tls).as("the login used TLS, with its classes from the archive")
                .anyMatch(line -> line.contains("sun.security.ssl.SSLSocketImpl source: shared"));
        assertThat(tls.stream().filter(line -> line.matches(".*\\] sun\\.security\\.ssl\\.\\S+ source: jrt:.*")))
                .as("TLS classes read from the JDK's modules instead of the archive").isEmpty();

        // Nor the spec reader's (Jackson's deserializers, ~70 classes) that mirror status starts
        // with to ask the mirror's source how far behind it is. The source peer cannot be opened
        // here (no key), so status says the lag is unknown, after reading the spec.
        Path statusClasses = checkout.resolve("status-classes.log");
        try (ScratchDatabase db = ScratchDatabase.create("mirrorflow_launcher_status")) {
            try (dev.mirrorflow.catalog.Catalog catalog = dev.mirrorflow.catalog.Catalog.open(db.catalogConfig())) {
                catalog.peers().create(new dev.mirrorflow.catalog.StoredPeer("a", "postgres", "{}", new byte[] {1}, "k", null));
                catalog.peers().create(new dev.mirrorflow.catalog.StoredPeer("b", "postgres", "{}", new byte[] {1}, "k", null));
                catalog.mirrors().create(new dev.mirrorflow.catalog.NewMirror("m", "a", "b", SourceLag.WARM_UP_SPEC, "mirror/m"));
            }
            Run status = launch(Map.of("MIRRORFLOW_JAVA_OPTS", "-Xlog:class+load:file=" + statusClasses,
                    "MIRRORFLOW_CATALOG_URL", db.jdbcUrl(), "MIRRORFLOW_CATALOG_USER", ScratchDatabase.USER,
                    "MIRRORFLOW_CATALOG_PASSWORD", ScratchDatabase.PASSWORD,
                    "MIRRORFLOW_STATE_DIR", checkout.resolve("state").toString()), "mirror", "status", "m");
            assertThat(status.exit()).as(status.err()).isZero();
            assertThat(status.out()).contains("lag      unknown (source not reachable");
        }
        List<String> status = Files.readAllLines(statusClasses);
        assertThat(status).anyMatch(line -> line.contains("com.fasterxml.jackson.databind.deser.BeanDeserializer source: shared"));
        assertThat(status.stream().filter(line -> line.matches(".*\\] com\\.fasterxml\\.jackson\\.\\S+ source: file:.*")))
                .as("Jackson classes read from the jar instead of the archive").isEmpty();

        // Nor the classes of Temporal's client, gRPC and protobuf that a command talking to Temporal
        // loads (~2,800): read from the jar they made a mirror create ~0.5 s slower. A ping nobody
        // answers talks to the dev server's Temporal and gives up after a second.
        Path temporalClasses = checkout.resolve("temporal-classes.log");
        Run ping = launch(Map.of("MIRRORFLOW_JAVA_OPTS", "-Xlog:class+load:file=" + temporalClasses,
                "MIRRORFLOW_TASK_QUEUE", "launcher-it-nobody"), "ping", "--timeout", "1s");
        assertThat(ping.err().strip()).startsWith("mirrorflow: no worker answered on task queue 'launcher-it-nobody'");
        List<String> temporal = Files.readAllLines(temporalClasses).stream()
                .filter(line -> line.matches(".*\\] (io\\.temporal|io\\.grpc|com\\.google\\.protobuf)\\.\\S+ source: .*")).toList();
        long shared = temporal.stream().filter(line -> line.contains(" source: shared")).count();
        assertThat(temporal).hasSizeGreaterThan(2_000);
        assertThat(shared).as("Temporal, gRPC and protobuf classes from the archive, of %d", temporal.size())
                .isGreaterThanOrEqualTo(temporal.size() * 9 / 10);

        // A new jar (a rebuild) makes the archive stale: the next command makes it again.
        long before = Files.getLastModifiedTime(archive).toMillis();
        Thread.sleep(1_100);
        Files.setLastModifiedTime(target.resolve("mirrorflow.jar"),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
        assertThat(launch(Map.of(), "--version").exit()).isZero();
        assertThat(Files.getLastModifiedTime(archive).toMillis()).isGreaterThan(before);
        assertThat(launch(Map.of("MIRRORFLOW_JAVA_OPTS", "-Xshare:on"), "--version").exit()).isZero();

        // A flight recording (or a Java agent) hooks class loading, and with an archive made by a
        // command that logged in to the catalog, JDK 17 crashed (SIGSEGV in
        // check_shared_class_file_load_hook, exit 134) loading the driver's classes from it, every
        // time: such a command runs without the archive.
        try (ScratchDatabase catalog = ScratchDatabase.create("mirrorflow_launcher_jfr")) {
            Map<String, String> env = Map.of("MIRRORFLOW_CATALOG_URL", ScratchDatabase.SERVER_URL + catalog.name(),
                    "MIRRORFLOW_CATALOG_USER", ScratchDatabase.USER, "MIRRORFLOW_CATALOG_PASSWORD", ScratchDatabase.PASSWORD);
            Thread.sleep(1_100);
            Files.setLastModifiedTime(target.resolve("mirrorflow.jar"),
                    java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis()));
            assertThat(launch(env, "peer", "list").exit()).isZero();
            for (String variable : List.of("MIRRORFLOW_JAVA_OPTS", "JAVA_TOOL_OPTIONS")) {
                Map<String, String> recording = new java.util.HashMap<>(env);
                recording.put(variable, "-XX:StartFlightRecording=filename=" + checkout.resolve(variable + ".jfr"));
                Run recorded = launch(recording, "peer", "list");
                assertThat(recorded.exit()).as("%s: %s", variable, recorded.err()).isZero();
                assertThat(recorded.out()).contains("no peers yet");
            }
        }
    }
}
