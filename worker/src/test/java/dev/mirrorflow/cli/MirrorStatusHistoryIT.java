package dev.mirrorflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.CdcBatch;
import dev.mirrorflow.catalog.MirrorOutcome;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.catalog.NewMirror;
import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.catalog.SnapshotPartition;
import dev.mirrorflow.catalog.StoredPeer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * `mirror status` and `mirror history` read only the catalog: they answer with Temporal
 * unreachable (pointed at a closed port here), for live and for dropped mirrors.
 */
class MirrorStatusHistoryIT {

    private static final String NO_TEMPORAL = "127.0.0.1:1";

    private static ScratchDatabase db;
    private static Catalog catalog;
    private static MirrorRow mirror;

    @BeforeAll
    static void catalogWithAMirrorStory() {
        db = ScratchDatabase.create("mirrorflow_status_it");
        catalog = Catalog.open(db.catalogConfig());
        catalog.peers().create(new StoredPeer("src", "postgres", "{}", new byte[] {1}, "k", null));
        catalog.peers().create(new StoredPeer("dst", "postgres", "{}", new byte[] {1}, "k", null));
        mirror = catalog.mirrors().create(new NewMirror("orders", "src", "dst", "{\"name\":\"orders\"}", "mirror/orders"));
        catalog.mirrors().recordPhase(mirror.id(), MirrorPhase.SETUP, "validating", null, "p1");
        catalog.mirrors().recordPhase(mirror.id(), MirrorPhase.SNAPSHOT, "initial load (generation 1)", null, "p2");
        catalog.snapshotPartitions().plan(mirror.id(), 1, List.of(
                new SnapshotPartition.Plan("public.orders", 0, "0", "100"),
                new SnapshotPartition.Plan("public.orders", 1, "100", ""),
                new SnapshotPartition.Plan("public.items", 0, "0", "")));
        catalog.snapshotPartitions().markRunning(mirror.id(), 1, "public.orders", 0);
        catalog.snapshotPartitions().markDone(mirror.id(), 1, "public.orders", 0, 40_000, 1_000_000);
        catalog.mirrors().recordError(mirror.id(), "slot in use by PID 4242; retrying in 4s", "e1");
    }

    @AfterAll
    static void drop() {
        catalog.close();
        db.close();
    }

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = MirrorflowCommand.commandLine(Map.<String, String>of()::get);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--catalog-url";
        all[args.length + 1] = db.jdbcUrl();
        all[args.length + 2] = "--temporal-address";
        all[args.length + 3] = NO_TEMPORAL;
        return new Run(cl.execute(all), out.toString(), err.toString());
    }

    @Test
    void shouldShowLoadProgressAndTheLastErrorWithoutTemporal() throws Exception {
        Run status = run("mirror", "status", "orders");
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out())
                .contains("phase    SNAPSHOT")
                .contains("1/3 partitions, 40.0k rows")
                .contains("[######..............]")
                .contains("error    slot in use by PID 4242");

        Run json = run("mirror", "status", "orders", "--json");
        JsonNode node = new ObjectMapper().readTree(json.out());
        assertThat(node.get("phase").asText()).isEqualTo("SNAPSHOT");
        assertThat(node.get("load").get("partitionsTotal").asInt()).isEqualTo(3);
        assertThat(node.get("load").get("rowsCopied").asLong()).isEqualTo(40_000);
    }

    @Test
    void shouldListHistoryOldestFirstWithoutTemporal() {
        Run history = run("mirror", "history", "orders");
        assertThat(history.exit()).as(history.err()).isZero();
        List<String> lines = history.out().lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).contains("PHASE  CREATED");
        assertThat(lines.get(1)).contains("PHASE  SETUP").contains("validating");
        assertThat(lines.get(2)).contains("PHASE  SNAPSHOT");
        assertThat(lines.get(3)).contains("ERROR").contains("slot in use by PID 4242");
        assertThat(lines.get(4)).startsWith("now: SNAPSHOT since ").endsWith(", initial load (generation 1)");
    }

    @Test
    void shouldShowEachRunsOutcomeWhereItEndedAndWhatTheMirrorIsNowLast() {
        MirrorRow again = catalog.mirrors().create(new NewMirror("again", "src", "dst", "{}", "mirror/again"));
        catalog.mirrors().recordPhase(again.id(), MirrorPhase.RUNNING, "streaming changes", null, "p1");
        catalog.mirrors().recordOutcome(new MirrorOutcome(again.id(), "run-1", MirrorPhase.FAILED, 0, 5, 1, "0/5",
                "replication slot lost", null));
        catalog.mirrors().recordPhase(again.id(), MirrorPhase.SNAPSHOT, "resync requested", null, "p2");
        catalog.mirrors().recordPhase(again.id(), MirrorPhase.RUNNING, "streaming changes", null, "p3");

        Run history = run("mirror", "history", "again");

        assertThat(history.exit()).as(history.err()).isZero();
        List<String> lines = history.out().lines().toList();
        assertThat(lines).hasSize(7);
        assertThat(lines.get(2)).contains("PHASE  FAILED  workflow ended  error: replication slot lost");
        assertThat(lines.get(3)).startsWith("outcome: FAILED at ").endsWith(", error: replication slot lost");
        assertThat(lines.get(4)).contains("PHASE  SNAPSHOT  resync requested");
        assertThat(lines.get(5)).contains("PHASE  RUNNING  streaming changes");
        assertThat(lines.get(6)).startsWith("now: RUNNING since ").endsWith(", streaming changes");
    }

    @Test
    void shouldShowReasonsAndErrorsWithoutTerminalEscapesAndReasonsCut() {
        MirrorRow noisy = catalog.mirrors().create(new NewMirror("noisy", "src", "dst", "{}", "mirror/noisy"));
        // Written before reasons were cleaned when stored, or by another client of the catalog.
        catalog.mirrors().recordPhase(noisy.id(), MirrorPhase.PAUSED,
                "\u001b[2J\u001b[31mred\u001b]0;owned\u0007 alert\nFAKE: all good " + "y".repeat(400), null, "p1");
        catalog.mirrors().recordError(noisy.id(), "bad\u001b[1A\rthing", "e1");

        Run history = run("mirror", "history", "noisy");
        Run status = run("mirror", "status", "noisy");

        for (Run shown : List.of(history, status)) {
            assertThat(shown.exit()).as(shown.err()).isZero();
            assertThat(shown.out()).doesNotContain("\u001b", "\u0007", "\r", "FAKE: all good yyy\n")
                    .contains("red alert FAKE: all good yyy").contains("bad thing")
                    .doesNotContain("y".repeat(200));
        }
        assertThat(history.out().lines().filter(l -> l.contains("PHASE  PAUSED")).findFirst().orElseThrow())
                .endsWith("y…");
    }

    @Test
    void shouldRefuseAHistoryLimitBelowOneAsAUsageErrorInOneLine() {
        for (String limit : List.of("-1", "0")) {
            Run history = run("mirror", "history", "orders", "--limit", limit);
            assertThat(history.exit()).isEqualTo(2);
            assertThat(history.out()).isEmpty();
            assertThat(history.err().strip()).isEqualTo("mirrorflow mirror history: --limit must be a whole number "
                    + "from 1 up, not " + limit + "; see mirrorflow mirror history --help");
        }
        Run huge = run("mirror", "history", "orders", "--limit", "99999999999");
        assertThat(huge.exit()).isEqualTo(2);
        assertThat(huge.err().strip()).doesNotContain("\n").startsWith("mirrorflow mirror history: invalid value");
    }

    @Test
    void shouldStillTellTheStoryOfADroppedMirror() {
        catalog.peers().create(new StoredPeer("src2", "postgres", "{}", new byte[] {1}, "k", null));
        MirrorRow gone = catalog.mirrors().create(new NewMirror("gone", "src2", "dst", "{}", "mirror/gone"));
        catalog.mirrors().recordPhase(gone.id(), MirrorPhase.RUNNING, "streaming changes", null, "p1");
        catalog.cdcBatches().record(new CdcBatch(gone.id(), 1, 10, 100, "0/1", "0/2", Instant.now(), Instant.now()));
        catalog.mirrors().recordOutcome(new MirrorOutcome(gone.id(), "run-1", MirrorPhase.TERMINATED, 0, 10, 1, "0/2",
                null, null));
        catalog.mirrors().markDropped(gone.id());

        Run status = run("mirror", "status", "gone");
        assertThat(status.exit()).isZero();
        assertThat(status.out()).contains("(dropped").contains("TERMINATED").contains("10 rows streamed");
        Run history = run("mirror", "history", "gone");
        assertThat(history.exit()).as(history.err()).isZero();
        assertThat(history.out()).contains("PHASE  RUNNING").contains("outcome: TERMINATED");
        // The list shows exactly the live mirrors, each with its phase and peers; the dropped one is not among them.
        Run list = run("mirror", "list");
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out().lines().map(line -> String.join(" ", List.of(line.split("\\s+")).subList(0, 4))))
                .containsExactly("NAME PHASE SOURCE DESTINATION", "orders SNAPSHOT src dst");
    }

    @Test
    void shouldSayInOneLineThatAMirrorDoesNotExist() {
        Run status = run("mirror", "status", "nope");
        assertThat(status.exit()).isEqualTo(1);
        assertThat(status.err().strip()).isEqualTo(
                "mirrorflow: no mirror named 'nope' in the catalog; see mirrorflow mirror list");
    }
}
