package dev.mirrorflow.connector.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code peer check} for MongoDB, against the dev-env mongod (a single-node replica set). */
class MongoProbeIT {

    private static ScratchMongoDatabase scratch;

    @BeforeAll
    static void createDatabase() {
        scratch = ScratchMongoDatabase.create("probe");
        scratch.database().getCollection("orders").insertOne(new Document("_id", 1).append("total", 10));
    }

    @AfterAll
    static void dropDatabase() {
        if (scratch != null) {
            scratch.close();
        }
    }

    @Test
    void shouldReportTheReplicaSetItsVersionAndAnOplogWindowForTheRootUser() {
        MongoProbe.Report report = MongoProbe.probe("docs", scratch.rootPeer());

        assertThat(report.topology()).isEqualTo(MongoProbe.Topology.REPLICA_SET);
        assertThat(report.replicaSet()).isEqualTo("rs0");
        assertThat(report.version()).startsWith("6.0.");
        assertThat(report.oplogWindow()).isPositive();
        assertThat(report.oplogWindowHours()).isGreaterThan(0);
        assertThat(report.find().allowed()).isTrue();
        assertThat(report.find().detail()).startsWith("tried " + scratch.name() + ".");
        assertThat(report.changeStreams()).isEqualTo(
                new MongoProbe.Answer(true, "opened on database " + scratch.name()));
        assertThat(report.canStream()).isTrue();
        String location = scratch.rootPeer().location();
        assertThat(report.lines()).startsWith(
                "peer docs: mongodb " + location + ", user mirrorflow: reachable",
                "  server version  " + report.version(),
                "  topology        replica set rs0");
        assertThat(report.lines()).contains("  change streams  yes (opened on database " + scratch.name() + ")",
                "  roles           root@admin");
        assertThat(report.lines()).anyMatch(l -> l.matches("  oplog window    \\d+\\.\\d hours.*"));
    }

    @Test
    void shouldSayAReadOnlyUserMayFindAndStreamButNotReadTheOplog() {
        MongoPeer reader = scratch.createUser("reader", "reader-pw", "read");

        MongoProbe.Report report = MongoProbe.probe("docs", reader);

        assertThat(report.find().allowed()).isTrue();
        assertThat(report.changeStreams().allowed()).isTrue();
        assertThat(report.oplogWindow()).isNull();
        assertThat(report.oplogNote()).isEqualTo("user " + reader.user() + " may not read local.oplog.rs; grant the"
                + " clusterMonitor role (or read on local) to see it");
        assertThat(report.canStream()).isTrue();
    }

    @Test
    void shouldSayAUserWithoutRolesMayNeitherFindNorStream() {
        MongoPeer nobody = scratch.createUser("nobody", "nobody-pw");

        MongoProbe.Report report = MongoProbe.probe("docs", nobody);

        assertThat(report.find()).isEqualTo(new MongoProbe.Answer(false, "user " + nobody.user()
                + " may not read database " + scratch.name() + "; grant the read role on it"));
        assertThat(report.changeStreams().allowed()).isFalse();
        assertThat(report.changeStreams().detail()).startsWith("user " + nobody.user()
                + " may not open a change stream on database " + scratch.name() + "; grant the read role");
        assertThat(report.canStream()).isFalse();
        assertThat(report.lines()).contains("  roles           none (the server has no access control, or the user"
                + " has no role)");
    }

    @Test
    void shouldSayInOneLineWhenThePasswordIsWrong() {
        MongoPeer wrong = scratch.rootPeer().withPassword("not-the-password");

        assertThatThrownBy(() -> MongoProbe.probe("docs", wrong))
                .isInstanceOf(MongoPeerException.class)
                .hasMessage("peer docs: MongoDB at " + wrong.location() + " rejected the login of user mirrorflow"
                        + " against database admin (Authentication failed.); fix the peer's user and password (and"
                        + " authSource if the user is defined elsewhere), then run the command again")
                .satisfies(e -> assertThat(((MongoPeerException) e).retryable()).isFalse())
                .hasMessageNotContaining("not-the-password");
    }

    @Test
    void shouldSayInOneLineWithinSecondsWhenNoServerAnswers() {
        MongoPeer nowhere = MongoPeerUrl.parse("mongodb://cdc@127.0.0.1:1/?replicaSet=rs0&authSource=admin")
                .withPassword("pw");
        long start = System.nanoTime();

        assertThatThrownBy(() -> MongoProbe.probe("docs", nowhere))
                .isInstanceOf(MongoPeerException.class)
                .hasMessageStartingWith("peer docs: cannot reach MongoDB at 127.0.0.1:1 (replica set rs0) while checking"
                        + " the peer (no server answered within the server selection timeout: ")
                .hasMessageContaining("Connection refused")
                .hasMessageEndingWith("); check the hosts, ports, replicaSet and TLS options and that the server is"
                        + " up and reachable from here")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"))
                .satisfies(e -> assertThat(((MongoPeerException) e).retryable()).isTrue());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void shouldSayWhenTheReplicaSetNameIsWrong() {
        String url = ScratchMongoDatabase.peerUrl("mirrorflow", "").replace("replicaSet=rs0", "replicaSet=rs9");
        MongoPeer peer = MongoPeerUrl.parse(url).withPassword(ScratchMongoDatabase.PASSWORD);

        assertThatThrownBy(() -> MongoProbe.probe("docs", peer))
                .isInstanceOf(MongoPeerException.class)
                .hasMessage("peer docs: MongoDB at " + peer.hosts().get(0) + " is a member of replica set rs0, not rs9;"
                        + " create the peer again with replicaSet=rs0 in its URL");
    }

    @Test
    void shouldTellFromTheUsersPrivilegesWhenTheUrlNamesNoDatabase() {
        MongoPeer reader = scratch.createUser("anydb", "anydb-pw", "read");
        MongoPeer withoutDatabase = MongoPeerUrl.parse(ScratchMongoDatabase.peerUrl(reader.user(), ""))
                .withPassword("anydb-pw");

        MongoProbe.Report report = MongoProbe.probe("docs", withoutDatabase);

        assertThat(report.find()).isEqualTo(new MongoProbe.Answer(true, "on " + scratch.name() + ".*"));
        assertThat(report.changeStreams().allowed()).isFalse();
        assertThat(report.changeStreams().detail()).contains("or readAnyDatabase for a deployment-wide stream");
        assertThat(List.copyOf(report.lines())).hasSizeGreaterThan(5);
    }

    @Test
    void shouldSayAStandaloneServerCannotStream() throws Exception {
        try (PrivateMongod standalone = PrivateMongod.standalone()) {
            MongoPeer peer = MongoPeerUrl.parse("mongodb://" + standalone.address() + "/");

            MongoProbe.Report report = MongoProbe.probe("solo", peer);

            assertThat(report.topology()).isEqualTo(MongoProbe.Topology.STANDALONE);
            assertThat(report.canStream()).isFalse();
            assertThat(report.oplogWindow()).isNull();
            assertThat(report.lines()).contains(
                    "  topology        standalone (cannot stream: change streams need a replica set or a sharded"
                            + " cluster)",
                    "  oplog window    unknown (a standalone server has no oplog)",
                    "  change streams  no (a standalone server cannot stream changes; run it as a replica set"
                            + " (mongod --replSet NAME, then rs.initiate()))");

            MongoPeer asReplicaSet = MongoPeerUrl.parse("mongodb://" + standalone.address() + "/?replicaSet=rs0");
            assertThatThrownBy(() -> MongoProbe.probe("solo", asReplicaSet))
                    .isInstanceOf(MongoPeerException.class)
                    .hasMessage("peer solo: MongoDB at " + standalone.address() + " is a standalone server, not a"
                            + " member of replica set rs0, and a standalone cannot stream changes; run it as a replica"
                            + " set (mongod --replSet NAME, then rs.initiate())");
        }
    }

    @Test
    void shouldReachAServerThatRequiresTlsThroughTheCaFileAndSayWhyNotWithoutIt(@TempDir Path dir) throws Exception {
        Path caFile = dir.resolve("ca.pem");
        try (PrivateMongod tls = PrivateMongod.requiringTls(caFile)) {
            MongoPeer trusting = MongoPeerUrl.parse("mongodb://" + tls.address() + "/?tls=true&tlsCAFile=" + caFile);
            MongoPeer untrusting = MongoPeerUrl.parse("mongodb://" + tls.address() + "/?tls=true");

            assertThat(MongoProbe.probe("secure", trusting).topology()).isEqualTo(MongoProbe.Topology.STANDALONE);
            assertThatThrownBy(() -> MongoProbe.probe("secure", untrusting))
                    .isInstanceOf(MongoPeerException.class)
                    .hasMessageStartingWith("peer secure: MongoDB at " + tls.address() + " presents a TLS"
                            + " certificate that no CA trusted here has signed (")
                    .hasMessageContaining("unable to find valid certification path to requested target")
                    .hasMessageEndingWith("); add tlsCAFile=PATH (the CA's certificate in PEM form) to the peer's URL")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    @Test
    void shouldReportTheNameOfTheReplicaSetThatAnswers() throws Exception {
        try (PrivateMongod small = PrivateMongod.replicaSet("rs1", 1)) {
            MongoPeer peer = MongoPeerUrl.parse("mongodb://" + small.address() + "/?replicaSet=rs1");

            MongoProbe.Report report = MongoProbe.probe("small", peer);

            assertThat(report.topology()).isEqualTo(MongoProbe.Topology.REPLICA_SET);
            assertThat(report.replicaSet()).isEqualTo("rs1");
            assertThat(report.changeStreams()).isEqualTo(new MongoProbe.Answer(true, "opened on the whole deployment"));
            assertThat(report.lines()).contains("  topology        replica set rs1");
        }
    }
}
