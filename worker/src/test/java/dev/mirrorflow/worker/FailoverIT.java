package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.checksum;
import static dev.mirrorflow.worker.MirrorTestBed.count;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.ScratchDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover with the default settings, between worker processes on one task queue, while the
 * source is written all the time: a worker killed with SIGKILL loses its streams to the others
 * within seconds (its heartbeat timeout, 8 s by default, then a retry after a second), a worker stopped
 * with SIGTERM hands them over at once, and either way the destination ends equal to the source
 * without a row doubled. Each test prints the time from the kill to the first change written after
 * it reaching the destination.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class FailoverIT {

    /** The promise of the defaults: from a SIGKILL to changes flowing again. */
    private static final Duration FAILOVER = Duration.ofSeconds(15);
    private static final Duration RECOVERY = Duration.ofSeconds(120);
    private static final int ROWS = 1_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A bed per test, so that each has a task queue of its own: the mirrors of a test that failed
     * before dropping them must not stream on the next test's workers.
     */
    @TempDir
    Path state;

    private MirrorTestBed bed;

    /** The worker processes of the running test, by label. */
    private final Map<String, Process> workers = new LinkedHashMap<>();

    @BeforeEach
    void environment() throws Exception {
        bed = new MirrorTestBed(state);
    }

    @AfterEach
    void stopWorkers() throws InterruptedException {
        for (Process worker : workers.values()) {
            worker.destroyForcibly();
            worker.waitFor(30, TimeUnit.SECONDS);
        }
        workers.clear();
        if (bed != null) {
            bed.close();
        }
    }

    @Test
    void shouldStreamAgainWithin15SecondsOfTheStreamingWorkerBeingKilled() throws Exception {
        String name = "failkill_" + ScratchDatabase.randomSuffix();
        String table = table(name);
        start("a");
        start("b");
        try (MirrorLifecycleIT.SourceWriter writer = MirrorLifecycleIT.SourceWriter.start(bed.source,
                List.of(table), ROWS)) {
            create(name, table);
            String streaming = awaitStreamingWorker(name);
            Process victim = workers.remove(streaming);
            long lastWrittenBeforeKill = newestWrittenId(table);
            long killedAt = System.nanoTime();
            java.time.LocalTime killedAtClock = java.time.LocalTime.now();
            victim.destroyForcibly(); // SIGKILL: no goodbye to Temporal or PostgreSQL
            assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
            Duration failover = awaitFlowingAfter(table, lastWrittenBeforeKill, killedAt);
            System.out.printf("FailoverIT: SIGKILL of the streaming worker at %s -> changes at the destination again"
                    + " after %.1f s%n", killedAtClock, failover.toMillis() / 1000.0);
            // Where the time went: when the other worker's attempt began, acquired the slot, streamed.
            String other = workers.keySet().iterator().next();
            Files.readString(bed.workerLog(other)).lines()
                    .filter(l -> l.contains("Secret key") || l.contains("mirrorflow_" + name + " "))
                    .map(l -> l.length() > 160 ? l.substring(0, 160) : l)
                    .forEach(l -> System.out.println("FailoverIT:   " + other + ": " + l));
            assertThat(failover).as("from the SIGKILL to changes flowing again, default settings")
                    .isLessThanOrEqualTo(FAILOVER);
        }
        assertEqualWithoutDuplicates(name, table);
    }

    @Test
    void shouldHandTheStreamOverAtOnceWhenItsWorkerIsStoppedWithSigterm() throws Exception {
        String name = "failterm_" + ScratchDatabase.randomSuffix();
        String table = table(name);
        start("c");
        start("d");
        try (MirrorLifecycleIT.SourceWriter writer = MirrorLifecycleIT.SourceWriter.start(bed.source,
                List.of(table), ROWS)) {
            create(name, table);
            String streaming = awaitStreamingWorker(name);
            Process stopping = workers.remove(streaming);
            long stoppedAt = System.nanoTime();
            stopping.destroy(); // SIGTERM, as a rolling upgrade stops a worker
            assertThat(stopping.waitFor(30, TimeUnit.SECONDS)).as("the stopped worker exits within 30 s").isTrue();
            double exitedAfter = (System.nanoTime() - stoppedAt) / 1e9;
            // What the stopped worker wrote last was read before it exited: a row written after
            // that reached the destination through the other worker.
            Duration handOver = awaitFlowingAfter(table, newestWrittenId(table), stoppedAt);
            System.out.printf("FailoverIT: SIGTERM of the streaming worker -> changes at the destination again"
                    + " after %.1f s; the worker exited with %d after %.1f s%n", handOver.toMillis() / 1000.0,
                    stopping.exitValue(), exitedAfter);
            assertThat(stopping.exitValue()).as("exit status after SIGTERM").isZero();
            assertThat(Files.readString(bed.workerLog(streaming))).contains("stopped streaming at a batch boundary");
            // At once: the other worker's stream is the first attempt of a new one, not a retry
            // after the stopped one's heartbeat timeout (8 s).
            String other = workers.keySet().iterator().next();
            String otherLog = Files.readString(bed.workerLog(other));
            assertThat(otherLog).contains("streaming slot mirrorflow_" + name + " ");
            assertThat(otherLog.lines().filter(l -> l.contains("acquired replication slot mirrorflow_" + name + " ")))
                    .isNotEmpty().allSatisfy(l -> assertThat(l).endsWith("(attempt 1)"));
            assertThat(handOver).as("from the SIGTERM to changes flowing again").isLessThan(FAILOVER);
        }
        assertEqualWithoutDuplicates(name, table);
    }

    /**
     * A batch that waits on the destination (a lock held there) for longer than two heartbeat
     * timeouts is alive: its worker keeps heartbeating, so the stream is not given to another
     * attempt meanwhile, and it goes on where it was once the lock goes.
     */
    @Test
    void shouldKeepAStreamWaitingOnTheDestinationOnItsWorker() throws Exception {
        String name = "failwait_" + ScratchDatabase.randomSuffix();
        String table = table(name);
        start("e");
        try (MirrorLifecycleIT.SourceWriter writer = MirrorLifecycleIT.SourceWriter.start(bed.source,
                List.of(table), ROWS)) {
            create(name, table);
            awaitStreamingWorker(name);
            try (java.sql.Connection lock = bed.destination.connect(); java.sql.Statement st = lock.createStatement()) {
                lock.setAutoCommit(false);
                st.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
                Thread.sleep(20_000); // the stream's next batch waits here: two and a half heartbeat timeouts
                lock.commit();
            }
            awaitFlowingAfter(table, newestWrittenId(table), System.nanoTime());
        }
        assertEqualWithoutDuplicates(name, table);
        String log = Files.readString(bed.workerLog("e"));
        assertThat(log.split("streaming slot mirrorflow_" + name + " ", -1)).as("stream starts").hasSize(2);
        assertThat(log).doesNotContain("of mirror " + name + ": attempt");
    }

    /**
     * Three workers that run at most three mirrors each, six mirrors under writes: the mirrors
     * use at least two workers, and `mirror status` says which. After a SIGKILL of the busiest
     * worker its mirrors stream on the two left (room for all six), each within seconds (a
     * documented margin over the 15 s, below), and every mirror ends equal to its source.
     */
    @Test
    void shouldSpreadSixMirrorsOverThreeWorkersAndMoveAKilledOnesMirrorsToTheOthers() throws Exception {
        String prefix = "six_" + ScratchDatabase.randomSuffix();
        List<String> labels = List.of("x", "y", "z");
        for (String label : labels) {
            start(label, "--max-mirrors", "3");
        }
        bed.peers(prefix);
        List<String> mirrors = new ArrayList<>();
        List<String> tables = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            mirrors.add(prefix + "_m" + i);
            tables.add(table(prefix + "_m" + i));
        }
        try (MirrorLifecycleIT.SourceWriter writer = MirrorLifecycleIT.SourceWriter.start(bed.source, tables, ROWS)) {
            for (int i = 0; i < 6; i++) {
                bed.ok("mirror", "create", "-f", bed.spec(mirrors.get(i), """
                        name: %s
                        source: %s_src
                        destination: %s_dst
                        tables:
                          - source: public.%s
                        batchSize: 200
                        idleTimeout: 200ms
                        """.formatted(mirrors.get(i), prefix, prefix, tables.get(i))).toString());
            }
            Map<String, String> placed = new LinkedHashMap<>();
            MirrorTestBed.await("six mirrors streaming, each on a worker", RECOVERY, () -> {
                placed.clear();
                for (String mirror : mirrors) {
                    JsonNode status = status(mirror);
                    if (status.path("phase").asText().equals("RUNNING")
                            && status.path("worker").path("activity").asText().equals("StreamChanges")) {
                        placed.put(mirror, label(labels, status.path("worker").path("identity").asText()));
                    }
                }
                return placed.size() == mirrors.size();
            });
            Map<String, List<String>> byWorker = new LinkedHashMap<>();
            placed.forEach((mirror, label) -> byWorker.computeIfAbsent(label, l -> new ArrayList<>()).add(mirror));
            System.out.println("FailoverIT: six mirrors on the workers " + byWorker);
            assertThat(byWorker).as("mirrors by worker").hasSizeGreaterThanOrEqualTo(2);
            assertThat(byWorker.values()).allSatisfy(on -> assertThat(on).hasSizeLessThanOrEqualTo(3));
            assertThat(bed.ok("mirror", "status", mirrors.get(0)).out())
                    .contains("worker   mirrorflow@").contains(bed.workerInstanceId(placed.get(mirrors.get(0))) + " (stream since");

            String victim = byWorker.entrySet().stream().max(java.util.Comparator.comparingInt(e -> e.getValue().size()))
                    .orElseThrow().getKey();
            List<String> moved = byWorker.get(victim);
            Map<String, Long> lastWrittenBeforeKill = new LinkedHashMap<>();
            for (String mirror : moved) {
                lastWrittenBeforeKill.put(mirror, newestWrittenId(table(mirrors, tables, mirror)));
            }
            long killedAt = System.nanoTime();
            Process killed = workers.remove(victim);
            killed.destroyForcibly();
            assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
            Duration slowest = Duration.ZERO;
            for (String mirror : moved) {
                Duration took = awaitFlowingAfter(table(mirrors, tables, mirror), lastWrittenBeforeKill.get(mirror),
                        killedAt);
                slowest = took.compareTo(slowest) > 0 ? took : slowest;
            }
            System.out.printf("FailoverIT: SIGKILL of the worker running %s -> all of them streaming again after"
                    + " %.1f s%n", moved, slowest.toMillis() / 1000.0);
            for (String mirror : moved) {
                MirrorTestBed.await(mirror + " shown on another worker", RECOVERY, () -> {
                    String identity = status(mirror).path("worker").path("identity").asText();
                    return !identity.isEmpty() && !label(labels, identity).equals(victim);
                });
            }
            // Not FAILOVER: a mirror the capacity check gave back while the six were placed
            // carries those attempts, and Temporal's wait before its retry after the timeout grows
            // with them (1 s, 2 s, 4 s ...; measured 15.5 s and, with the other test JVM busy,
            // 22.2 s). The margin covers three such attempts.
            assertThat(slowest).as("from the SIGKILL to every moved mirror streaming again")
                    .isLessThanOrEqualTo(FAILOVER.plusSeconds(15));
        }
        for (int i = 0; i < 6; i++) {
            assertEqualWithoutDuplicates(mirrors.get(i), tables.get(i));
        }
    }

    private static String table(List<String> mirrors, List<String> tables, String mirror) {
        return tables.get(mirrors.indexOf(mirror));
    }

    /** The label of the worker whose identity this is. */
    private String label(List<String> labels, String identity) {
        return labels.stream().filter(l -> identity.endsWith("/" + bed.workerInstanceId(l))).findFirst()
                .orElseThrow(() -> new AssertionError("no worker of this test has the identity " + identity));
    }

    private JsonNode status(String mirror) {
        try {
            return JSON.readTree(bed.ok("mirror", "status", mirror, "--json").out());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Starts a worker process and waits until it polls: workers starting at once on a busy
     * machine may not connect to Temporal within its deadline.
     */
    private void start(String label, String... options) throws Exception {
        Process worker = bed.startWorkerProcess(label, options);
        workers.put(label, worker);
        MirrorTestBed.await("worker " + label + " running", RECOVERY, () -> {
            assertThat(worker.isAlive()).as("worker %s alive", label).isTrue();
            try {
                return Files.readString(bed.workerLog(label)).contains("running; stop with");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private String table(String name) throws Exception {
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, v int NOT NULL, note text)",
                "INSERT INTO " + table + " SELECT g, g, md5(g::text) FROM generate_series(1, " + ROWS + ") g");
        return table;
    }

    /** Creates the mirror with the default settings (heartbeat timeout included) and waits for it to stream. */
    private void create(String name, String table) throws Exception {
        bed.peers(name);
        bed.ok("mirror", "create", "-f", bed.mirrorSpec(name, """
                tables:
                  - source: public.%s
                batchSize: 200
                idleTimeout: 200ms
                """.formatted(table)).toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, RECOVERY);
    }

    /** The label of the worker that streams the mirror: the one whose log says it streams its slot. */
    private String awaitStreamingWorker(String name) throws Exception {
        List<String> found = new ArrayList<>();
        MirrorTestBed.await("a worker streaming " + name, RECOVERY, () -> {
            found.clear();
            for (String label : workers.keySet()) {
                try {
                    if (Files.readString(bed.workerLog(label)).contains("streaming slot mirrorflow_" + name + " ")) {
                        found.add(label);
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return found.size() == 1;
        });
        return found.get(0);
    }

    /** The newest row the source writer inserted (its ids start at 10,000,000). */
    private long newestWrittenId(String table) throws Exception {
        return count(bed.source, "SELECT coalesce(max(id), 0) FROM " + table);
    }

    /** Waits until a row written after {@code lastBefore} is at the destination; the time since {@code since}. */
    private Duration awaitFlowingAfter(String table, long lastBefore, long since) throws Exception {
        long deadline = since + RECOVERY.toNanos();
        while (count(bed.destination, "SELECT coalesce(max(id), 0) FROM " + table) <= lastBefore) {
            assertThat(System.nanoTime()).as("changes flowing again within " + RECOVERY).isLessThan(deadline);
            Thread.sleep(100);
        }
        return Duration.ofNanos(System.nanoTime() - since);
    }

    private void assertEqualWithoutDuplicates(String name, String table) throws Exception {
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "120s");
        assertThat(count(bed.destination, "SELECT count(*) - count(DISTINCT id) FROM " + table)).isZero();
        assertThat(checksum(bed.destination, table)).as(table).isEqualTo(checksum(bed.source, table));
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "120s");
    }
}
