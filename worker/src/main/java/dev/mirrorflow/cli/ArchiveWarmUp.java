package dev.mirrorflow.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariConfig;
import dev.mirrorflow.catalog.jooq.Mirrorflow;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.tools.jdbc.MockConnection;
import org.jooq.tools.jdbc.MockResult;
import java.util.List;
import java.util.Map;

/**
 * Loads the classes most commands use, so that the class-data-sharing archive the launcher makes
 * with the first command after a build holds them whichever command that was: mirror list and
 * peer list load neither jOOQ nor logging, and a mirror status after an archive made by them would
 * read every one of those classes from the jar (twice as slow as with them archived). The launcher
 * asks for it with {@value #PROPERTY} on that first command only; it needs no database.
 */
final class ArchiveWarmUp {

    static final String PROPERTY = "mirrorflow.archive.warmup";

    private ArchiveWarmUp() {}

    private static final java.util.concurrent.atomic.AtomicBoolean JOOQ_STARTED = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Starts jOOQ's own start (its static data type tables for every dialect, rendering, binding:
     * a third of a second of a command that writes the catalog) on a thread of its own, so that it
     * runs beside the JVM's and the catalog connection's start instead of after them. Once per JVM;
     * the command's first jOOQ statement waits for what is not done yet.
     */
    static void startJooqInBackground() {
        if (!JOOQ_STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread thread = new Thread(() -> {
            try {
                Table<?> table = Mirrorflow.MIRRORFLOW.MIRRORS;
                Record row = DSL.using(SQLDialect.POSTGRES).newRecord(table);
                DSL.using(new MockConnection(ctx -> new MockResult[] {new MockResult(row)}), SQLDialect.POSTGRES,
                        new Settings().withExecuteLogging(false))
                        .selectFrom(table).where(DSL.noCondition()).orderBy(table.field(0)).limit(1).fetch();
            } catch (Throwable e) {
                // Only an optimisation: the command's own statements load what this did not.
            }
        }, "mirrorflow-cli-jooq-start");
        thread.setDaemon(true);
        thread.start();
    }

    static boolean requested() {
        return Boolean.getBoolean(PROPERTY);
    }

    /**
     * Never throws: a class it could not load is only a class the archive will not hold.
     *
     * @return whether every step ran (the tests hold it so)
     */
    static boolean loadCommonClasses() {
        try {
            org.slf4j.LoggerFactory.getILoggerFactory();
            new HikariConfig();
            JsonNode json = CliJson.INDENTED.readTree("{\"a\": [1, \"b\", true, null, 1.5]}");
            CliJson.INDENTED.writeValueAsString(json);
            // Each catalog table read once from a connection that answers with one empty row:
            // rendering, binding and fetching load what a first catalog query does.
            DSLContext records = DSL.using(SQLDialect.POSTGRES);
            for (Table<?> table : Mirrorflow.MIRRORFLOW.getTables()) {
                Record row = records.newRecord(table);
                DSLContext mock = DSL.using(new MockConnection(ctx -> new MockResult[] {
                    new MockResult(row)}), SQLDialect.POSTGRES, new Settings().withExecuteLogging(false));
                if (mock.selectFrom(table).where(DSL.noCondition()).orderBy(table.field(0)).limit(1).fetch().size() != 1) {
                    return false;
                }
            }
            // The statements that write the catalog: a transaction that locks a row, inserts with
            // returning, updates and deletes by conditions.
            Table<?> mirrors = Mirrorflow.MIRRORFLOW.MIRRORS;
            Record any = records.newRecord(mirrors);
            @SuppressWarnings("unchecked")
            org.jooq.Field<Object> first = (org.jooq.Field<Object>) mirrors.field(0);
            DSLContext writes = DSL.using(new MockConnection(ctx -> new MockResult[] {new MockResult(any)}),
                    SQLDialect.POSTGRES, new Settings().withExecuteLogging(false));
            writes.transactionResult(tx -> tx.dsl().selectFrom(mirrors)
                    .where(first.eq(DSL.inline(1)).and(first.isNotNull().or(first.isNull())).and(first.in(1, 2))
                            .and(DSL.trueCondition()).and(DSL.falseCondition().not()))
                    .forUpdate().fetch());
            writes.insertInto(mirrors).set(any).returning().fetchOne();
            writes.update(mirrors).set(first, DSL.inline(1)).where(first.eq(DSL.inline(1))).execute();
            writes.deleteFrom(mirrors).where(first.eq(DSL.inline(1))).execute();
            // What mirror create does with a spec beyond loading classes: parse it, and store it as JSON.
            dev.mirrorflow.activities.MirrorSpecJson.write(dev.mirrorflow.cli.spec.MirrorSpecParser.parse(
                    "name: m\nsource: a\ndestination: b\ntables:\n  - source: public.t\n", "warm-up.yaml"));
            // What mirror status's lag and the worker do with a stored spec: read it back (Jackson's
            // deserializers, ~70 classes a status after an archive that mirror list made read from the jar).
            SourceLag.warmUp();
            // None outside a jar (the unit tests): LauncherIT holds the archive to it.
            loadPackages(JAR_PACKAGES);
            loadPackagesOnly(TEMPORAL_PACKAGES);
            loadJdkPackages(JDK_PACKAGES);
            return true;
        } catch (Throwable e) {
            // The command has run already; warming up is an optimisation of the next ones.
            return false;
        }
    }

    /**
     * The packages of the jar whose classes the commands load between them, beyond the ones above:
     * mirrorflow's own, picocli (built from its sources, see worker/pom.xml), the PostgreSQL driver
     * (logging in, the checks), the YAML parser (specs) and OpenTelemetry's API. Loaded without being initialised, they are only made ready for the
     * archive: a mirror create after an archive that a ping made read ~860 classes from the jar.
     */
    static final List<String> JAR_PACKAGES = List.of("dev/mirrorflow/", "picocli/", "org/postgresql/",
            "org/yaml/snakeyaml/", "io/opentelemetry/api/", "io/opentelemetry/context/");

    /**
     * The packages of Temporal's client, gRPC, its Netty, protobuf and the JSON modules of
     * Temporal's payloads whose classes a command that talks to Temporal loads most of (create,
     * pause, drop, ping: ~2,600 classes between them),
     * each package alone, without the packages under it. Read from the jar, they made a mirror
     * create after an archive that a peer create made ~0.5 s slower. Packages of which the
     * commands load only a few classes (Guava's collections, Temporal's history and enums) are
     * left out: loading all of them would double what the archive holds of these libraries.
     */
    static final List<String> TEMPORAL_PACKAGES = List.of(
            "com/google/common/base/", "com/google/common/reflect/", "com/google/protobuf/", "com/uber/m3/tally/",
            "io/grpc/", "io/grpc/health/v1/", "io/grpc/internal/", "io/grpc/protobuf/", "io/grpc/protobuf/lite/",
            "io/grpc/stub/", "io/grpc/util/", "io/perfmark/",
            "io/grpc/netty/shaded/io/grpc/netty/", "io/grpc/netty/shaded/io/netty/bootstrap/",
            "io/grpc/netty/shaded/io/netty/buffer/", "io/grpc/netty/shaded/io/netty/channel/",
            "io/grpc/netty/shaded/io/netty/channel/epoll/", "io/grpc/netty/shaded/io/netty/channel/nio/",
            "io/grpc/netty/shaded/io/netty/channel/socket/", "io/grpc/netty/shaded/io/netty/channel/socket/nio/",
            "io/grpc/netty/shaded/io/netty/channel/unix/", "io/grpc/netty/shaded/io/netty/handler/codec/http2/",
            "io/grpc/netty/shaded/io/netty/util/", "io/grpc/netty/shaded/io/netty/util/concurrent/",
            "io/grpc/netty/shaded/io/netty/util/internal/", "io/grpc/netty/shaded/io/netty/util/internal/logging/",
            "io/grpc/netty/shaded/io/netty/util/internal/shaded/org/jctools/queues/",
            "io/grpc/netty/shaded/io/netty/util/internal/shaded/org/jctools/queues/atomic/",
            "io/grpc/netty/shaded/io/netty/util/internal/shaded/org/jctools/queues/atomic/unpadded/",
            "io/grpc/netty/shaded/io/netty/util/internal/shaded/org/jctools/queues/unpadded/",
            "io/grpc/netty/shaded/io/netty/util/internal/shaded/org/jctools/util/",
            "io/temporal/activity/", "io/temporal/api/common/v1/", "io/temporal/api/filter/v1/",
            "io/temporal/api/namespace/v1/", "io/temporal/api/replication/v1/", "io/temporal/api/workflowservice/v1/",
            "io/temporal/client/", "io/temporal/common/", "io/temporal/common/converter/", "io/temporal/common/metadata/",
            "io/temporal/failure/", "io/temporal/internal/", "io/temporal/internal/activity/",
            "io/temporal/internal/client/", "io/temporal/internal/client/external/", "io/temporal/internal/common/",
            "io/temporal/internal/retryer/", "io/temporal/payload/context/", "io/temporal/serviceclient/",
            "io/temporal/workflow/", "io/temporal/api/enums/v1/", "io/temporal/common/interceptors/",
            "com/google/common/io/", "com/google/common/util/concurrent/", "com/google/protobuf/util/",
            "io/grpc/protobuf/services/", "io/grpc/netty/shaded/io/netty/handler/codec/",
            "io/grpc/netty/shaded/io/netty/handler/codec/http/", "io/grpc/netty/shaded/io/netty/util/collection/",
            "com/fasterxml/jackson/datatype/jdk8/", "com/fasterxml/jackson/datatype/jsr310/",
            "com/fasterxml/jackson/datatype/jsr310/deser/", "com/fasterxml/jackson/datatype/jsr310/ser/");

    /**
     * The JDK's packages commands load that others do not, by module. The TLS ones: a login over
     * TLS (pgjdbc's default {@code sslmode=prefer} against a server that offers it, as managed
     * databases do) loads ~700 classes of them, which an archive made by a command without one
     * lacked; read from the JDK's modules instead, they made a {@code mirror status} ~0.5 s slower.
     * And the sockets and concurrency of gRPC's channel.
     */
    static final Map<String, List<String>> JDK_PACKAGES = Map.of(
            "java.base", List.of("sun/security/ssl/", "sun/security/util/", "sun/security/util/math/",
                    "sun/security/util/math/intpoly/", "sun/security/x509/", "sun/security/rsa/",
                    "sun/security/provider/", "sun/security/jca/", "com/sun/crypto/provider/", "javax/net/ssl/",
                    "javax/crypto/", "javax/crypto/spec/", "java/security/", "java/security/spec/",
                    "java/security/interfaces/", "java/security/cert/",
                    "sun/nio/ch/", "java/nio/channels/", "java/nio/channels/spi/", "java/util/concurrent/",
                    "java/util/concurrent/locks/", "java/util/concurrent/atomic/"),
            "jdk.crypto.ec", List.of("sun/security/ec/", "sun/security/ec/ed/", "sun/security/ec/point/"));

    /**
     * Loads, without initialising them, the classes directly in the given packages of the given
     * JDK modules; what cannot be loaded is skipped.
     *
     * @return how many were loaded
     */
    static int loadJdkPackages(Map<String, List<String>> packagesByModule) throws java.io.IOException {
        java.nio.file.FileSystem jrt = java.nio.file.FileSystems.getFileSystem(java.net.URI.create("jrt:/"));
        ClassLoader loader = ClassLoader.getPlatformClassLoader();
        int loaded = 0;
        for (Map.Entry<String, List<String>> module : packagesByModule.entrySet()) {
            for (String pkg : module.getValue()) {
                java.nio.file.Path dir = jrt.getPath("/modules", module.getKey(), pkg);
                if (!java.nio.file.Files.isDirectory(dir)) {
                    continue;
                }
                try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dir)) {
                    for (java.nio.file.Path file : (Iterable<java.nio.file.Path>) files::iterator) {
                        String name = file.getFileName().toString();
                        if (!name.endsWith(".class") || name.equals("module-info.class")
                                || name.equals("package-info.class")) {
                            continue;
                        }
                        try {
                            Class.forName((pkg + name.substring(0, name.length() - ".class".length()))
                                    .replace('/', '.'), false, loader);
                            loaded++;
                        } catch (Throwable skipped) {
                            // Not loadable here: not archived either.
                        }
                    }
                }
            }
        }
        return loaded;
    }

    /**
     * Loads, without initialising them, the classes of the jar this class came from under the given
     * package prefixes; a class that cannot be loaded (an optional dependency missing) is skipped.
     *
     * @return how many were loaded; 0 when not run from a jar
     */
    static int loadPackages(List<String> prefixes) throws java.io.IOException {
        return loadJarClasses(name -> prefixes.stream().anyMatch(name::startsWith));
    }

    /**
     * Like {@link #loadPackages}, the classes directly in each of the given packages only.
     */
    static int loadPackagesOnly(List<String> packages) throws java.io.IOException {
        java.util.Set<String> wanted = java.util.Set.copyOf(packages);
        return loadJarClasses(name -> wanted.contains(name.substring(0, name.lastIndexOf('/') + 1)));
    }

    private static int loadJarClasses(java.util.function.Predicate<String> entryWanted) throws java.io.IOException {
        java.security.CodeSource source = ArchiveWarmUp.class.getProtectionDomain().getCodeSource();
        if (source == null || !source.getLocation().getPath().endsWith(".jar")) {
            return 0;
        }
        ClassLoader loader = ArchiveWarmUp.class.getClassLoader();
        int loaded = 0;
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(
                new java.io.File(java.net.URI.create(source.getLocation().toString())))) {
            for (java.util.Enumeration<java.util.jar.JarEntry> entries = jar.entries(); entries.hasMoreElements();) {
                String name = entries.nextElement().getName();
                if (!name.endsWith(".class") || name.endsWith("module-info.class") || !entryWanted.test(name)) {
                    continue;
                }
                try {
                    Class.forName(name.substring(0, name.length() - ".class".length()).replace('/', '.'), false, loader);
                    loaded++;
                } catch (Throwable skipped) {
                    // Not loadable here: not archived either.
                }
            }
        }
        return loaded;
    }
}
