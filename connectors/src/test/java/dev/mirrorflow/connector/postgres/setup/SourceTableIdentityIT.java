package dev.mirrorflow.connector.postgres.setup;

import dev.mirrorflow.connector.postgres.ScratchPeers;
import dev.mirrorflow.connector.postgres.SourceConfigurationException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.ScratchDatabase;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingSupplier;

/**
 * Which source tables a mirror accepts, by the columns that identify their rows and their replica
 * identity, and that a refused table is never added to a publication, so that the source
 * application's own UPDATEs and DELETEs keep working. Uses no replication slot.
 */
class SourceTableIdentityIT {

    private static ScratchDatabase db;

    @BeforeAll
    static void createDatabase() throws SQLException {
        db = ScratchDatabase.create("source_identity");
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    /** A table that cannot be mirrored, how to make one, and the start of what mirrorflow says. */
    private record Unusable(String table, String ddl, String says) {}

    @Test
    void shouldRefuseEveryTableWithoutAUsableKeyBeforeAddingItToAPublicationAndKeepTheSourcesWritesWorking()
            throws Exception {
        List<Unusable> cases = List.of(
                new Unusable("deferred_pk", "CREATE TABLE deferred_pk (id int PRIMARY KEY DEFERRABLE, v text)",
                        "with a DEFERRABLE primary key cannot be mirrored"),
                new Unusable("deferred_full", "CREATE TABLE deferred_full (id int PRIMARY KEY DEFERRABLE INITIALLY"
                        + " DEFERRED, v text); ALTER TABLE deferred_full REPLICA IDENTITY FULL",
                        "with a DEFERRABLE primary key cannot be mirrored"),
                new Unusable("nothing", "CREATE TABLE nothing (id int PRIMARY KEY, v text);"
                        + " ALTER TABLE nothing REPLICA IDENTITY NOTHING", "with REPLICA IDENTITY NOTHING"),
                new Unusable("index_dropped", "CREATE TABLE index_dropped (id int NOT NULL, v text);"
                        + " CREATE UNIQUE INDEX index_dropped_id ON index_dropped (id);"
                        + " ALTER TABLE index_dropped REPLICA IDENTITY USING INDEX index_dropped_id;"
                        + " DROP INDEX index_dropped_id", "with REPLICA IDENTITY NOTHING (or USING INDEX of a dropped"),
                new Unusable("keyless", "CREATE TABLE keyless (id int, v text)", "without a primary key"),
                new Unusable("keyless_full", "CREATE TABLE keyless_full (id int, v text);"
                        + " ALTER TABLE keyless_full REPLICA IDENTITY FULL", "without a primary key"),
                new Unusable("parted", "CREATE TABLE parted (id int PRIMARY KEY, v text) PARTITION BY RANGE (id);"
                        + " CREATE TABLE parted_low PARTITION OF parted FOR VALUES FROM (0) TO (100);"
                        + " CREATE TABLE parted_high PARTITION OF parted FOR VALUES FROM (100) TO (200);"
                        + " ALTER TABLE parted_high REPLICA IDENTITY NOTHING", "partition(s) parted_high (of public.parted)"));
        db.execute("CREATE TABLE fine (id int PRIMARY KEY, v text)");
        List<String> wrong = new ArrayList<>();
        for (Unusable unusable : cases) {
            db.execute(unusable.ddl());
            TableId table = TableId.parse(unusable.table());
            // Alongside a table that is fine, as a mirror of several tables would be.
            MirrorSource source = MirrorSource.of("id_" + unusable.table(), List.of(TableId.parse("fine"), table));

            assertPermanent(() -> validate(source), Problem.NO_REPLICA_IDENTITY).hasMessageContaining(unusable.says());
            assertPermanent(() -> SourceSetup.ensurePublication(ScratchPeers.of(db), source),
                    Problem.NO_REPLICA_IDENTITY).hasMessageContaining(unusable.says());
            assertThat(count("SELECT count(*) FROM pg_publication WHERE pubname = '" + source.publication() + "'"))
                    .as("publication of %s", unusable.table()).isZero();

            // The same with a publication that exists: nothing is added to it either.
            db.execute("CREATE PUBLICATION " + source.publication() + " FOR TABLE fine");
            assertPermanent(() -> SourceSetup.ensurePublication(ScratchPeers.of(db), source),
                    Problem.NO_REPLICA_IDENTITY).hasMessageContaining(unusable.says());
            assertThat(count("SELECT count(*) FROM pg_publication_tables WHERE pubname = '" + source.publication()
                    + "'")).as("tables in the publication of %s", unusable.table()).isEqualTo(1);

            // The source application's writes keep working.
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO " + table.quoted() + " VALUES (1, 'a'), (150, 'b')");
                s.execute("UPDATE " + table.quoted() + " SET v = 'changed'");
                s.execute("DELETE FROM " + table.quoted());
            } catch (SQLException e) {
                wrong.add(unusable.table() + ": " + e.getMessage());
            }
        }
        assertThat(wrong).as("source writes that failed").isEmpty();
    }

    @Test
    void shouldSayHowToFixATableWithoutAKeyAndToRunCreateAgainWhenNothingWasCreated() throws Exception {
        db.execute("CREATE TABLE events (at timestamptz, payload text)",
                "ALTER TABLE events REPLICA IDENTITY FULL");
        MirrorSource source = MirrorSource.of("id_events", List.of(TableId.parse("events")));
        String problem = "mirror id_events: table public.events without a primary key cannot be mirrored (mirrorflow"
                + " applies updates and deletes by a key, and REPLICA IDENTITY FULL is none); add a primary key, or a"
                + " unique index on NOT NULL columns and run ALTER TABLE \"public\".\"events\" REPLICA IDENTITY USING INDEX"
                + " <that index>, ";

        assertPermanent(() -> {
            SourceValidator.validateNewMirror(ScratchPeers.of(db), source);
            return null;
        }, Problem.NO_REPLICA_IDENTITY).hasMessage(problem + "then run mirror create again");
        assertPermanent(() -> validate(source), Problem.NO_REPLICA_IDENTITY)
                .hasMessage(problem + "then run mirrorflow mirror resync id_events");
    }

    @Test
    void shouldIdentifyRowsByThePrimaryKeyOrByTheReplicaIdentityIndex() throws Exception {
        db.execute("CREATE TABLE by_pk (a int, b int, c text, PRIMARY KEY (b, a))",
                "CREATE TABLE by_pk_full (id int PRIMARY KEY, a int, b text)",
                "ALTER TABLE by_pk_full REPLICA IDENTITY FULL",
                "CREATE TABLE by_index (code text NOT NULL, region int NOT NULL, v text)",
                "CREATE UNIQUE INDEX by_index_key ON by_index (region, code)",
                "ALTER TABLE by_index REPLICA IDENTITY USING INDEX by_index_key",
                "CREATE TABLE by_other_index (id int PRIMARY KEY, email text NOT NULL, v text)",
                "CREATE UNIQUE INDEX by_other_index_email ON by_other_index (email)",
                "ALTER TABLE by_other_index REPLICA IDENTITY USING INDEX by_other_index_email",
                "CREATE TABLE deferred_but_indexed (id int PRIMARY KEY DEFERRABLE, n int NOT NULL)",
                "CREATE UNIQUE INDEX deferred_but_indexed_n ON deferred_but_indexed (n)",
                "ALTER TABLE deferred_but_indexed REPLICA IDENTITY USING INDEX deferred_but_indexed_n");
        List<TableId> tables = List.of(TableId.parse("by_pk"), TableId.parse("by_pk_full"), TableId.parse("by_index"),
                TableId.parse("by_other_index"), TableId.parse("deferred_but_indexed"));
        MirrorSource source = MirrorSource.of("id_keys", tables);

        assertThatCode(() -> validate(source)).doesNotThrowAnyException();
        assertThat(SourceSetup.ensurePublication(ScratchPeers.of(db), source)).containsExactlyElementsOf(tables);
        Map<TableId, TableSchema> schemas;
        try (Connection c = db.connect()) {
            schemas = new SourceSchemaReader(c).read(tables);
        }
        assertThat(keyOf(schemas.get(tables.get(0)))).containsExactly("b", "a");
        assertThat(keyOf(schemas.get(tables.get(1)))).containsExactly("id");
        assertThat(keyOf(schemas.get(tables.get(2)))).containsExactly("region", "code");
        // Its old rows carry the email only: that is what can identify the row of a DELETE.
        assertThat(keyOf(schemas.get(tables.get(3)))).containsExactly("email");
        assertThat(keyOf(schemas.get(tables.get(4)))).containsExactly("n");
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            for (TableId table : tables) {
                s.execute("DELETE FROM " + table.quoted());
            }
        }
    }

    @Test
    void shouldPublishPartitionedTablesUnderTheirOwnNameAndRefuseAPublicationThatDoesNot() throws Exception {
        db.execute("CREATE TABLE measures (id int, at date, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)",
                "CREATE TABLE measures_2025 PARTITION OF measures FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "CREATE TABLE measures_2026 PARTITION OF measures FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "ALTER TABLE measures_2026 REPLICA IDENTITY FULL");
        MirrorSource created = MirrorSource.of("id_parts", List.of(TableId.parse("measures")));

        assertThatCode(() -> validate(created)).doesNotThrowAnyException();
        SourceSetup.ensurePublication(ScratchPeers.of(db), created);
        assertThat(count("SELECT count(*) FROM pg_publication WHERE pubname = '" + created.publication()
                + "' AND pubviaroot")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM pg_publication_tables WHERE pubname = '" + created.publication()
                + "' AND tablename = 'measures'")).isEqualTo(1);

        // A publication the spec names, made without publish_via_partition_root.
        db.execute("CREATE TABLE other (id int PRIMARY KEY)", "CREATE PUBLICATION theirs FOR TABLE other");
        MirrorSource named = new MirrorSource("id_named", List.of(TableId.parse("measures")), "theirs",
                "mirrorflow_id_named");
        String message = "mirror id_named: publication theirs publishes the changes of partitioned table"
                + " public.measures under its partitions' names, which the mirror would miss; run ALTER PUBLICATION"
                + " \"theirs\" SET (publish_via_partition_root = true), then run mirrorflow mirror resync id_named";
        assertPermanent(() -> validate(named), Problem.PUBLICATION_NOT_VIA_ROOT).hasMessage(message);
        assertPermanent(() -> SourceSetup.ensurePublication(ScratchPeers.of(db), named),
                Problem.PUBLICATION_NOT_VIA_ROOT).hasMessage(message);
        assertThat(count("SELECT count(*) FROM pg_publication_tables WHERE pubname = 'theirs'")).isEqualTo(1);

        db.execute("ALTER PUBLICATION theirs SET (publish_via_partition_root = true)");
        assertThatCode(() -> validate(named)).doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseAPartitionWhoseChangesWouldArriveUnderItsPartitionedTablesName() throws Exception {
        db.execute("CREATE TABLE readings (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)",
                "CREATE TABLE readings_2025 PARTITION OF readings FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "CREATE PUBLICATION rooted FOR TABLE readings WITH (publish_via_partition_root = true)");
        TableId partition = TableId.parse("readings_2025");

        assertThatCode(() -> validate(MirrorSource.of("id_leaf", List.of(partition)))).doesNotThrowAnyException();
        assertPermanent(() -> validate(MirrorSource.of("id_both", List.of(TableId.parse("readings"), partition))),
                Problem.NO_REPLICA_IDENTITY).hasMessage("mirror id_both: table public.readings_2025 is a partition of"
                        + " public.readings, which the mirror also names; remove public.readings_2025 from the mirror"
                        + " (its rows come with public.readings), then run mirrorflow mirror resync id_both");
        assertPermanent(() -> validate(new MirrorSource("id_rooted", List.of(partition), "rooted", "mirrorflow_rooted")),
                Problem.PUBLICATION_NOT_VIA_ROOT).hasMessage("mirror id_rooted: table public.readings_2025 is a"
                        + " partition of public.readings, and publication rooted publishes its changes under"
                        + " public.readings's name, which the mirror would miss; name public.readings in the mirror"
                        + " instead, then run mirrorflow mirror resync id_rooted");
    }

    @Test
    void shouldRefuseAPartitionWhoseReplicaIdentityLacksItsTablesKey() throws Exception {
        db.execute("CREATE TABLE shipments (id int, region int NOT NULL, code text NOT NULL, PRIMARY KEY (id, region))"
                        + " PARTITION BY LIST (region)",
                "CREATE TABLE shipments_eu PARTITION OF shipments FOR VALUES IN (1)",
                "CREATE TABLE shipments_us PARTITION OF shipments FOR VALUES IN (2)",
                "CREATE UNIQUE INDEX shipments_us_code ON shipments_us (code)",
                "ALTER TABLE shipments_us REPLICA IDENTITY USING INDEX shipments_us_code");
        MirrorSource source = MirrorSource.of("id_ship", List.of(TableId.parse("shipments")));

        assertPermanent(() -> validate(source), Problem.NO_REPLICA_IDENTITY)
                .hasMessage("mirror id_ship: partition(s) shipments_us (of public.shipments) have a replica identity without"
                        + " their table's key, so their updates and deletes cannot be mirrored (and may fail at the"
                        + " source once published); run ALTER TABLE <partition> REPLICA IDENTITY DEFAULT (with the"
                        + " table's primary key) or FULL on each, then run mirrorflow mirror resync id_ship");
    }

    private static List<String> keyOf(TableSchema schema) {
        return schema.key().stream().map(c -> c.name()).toList();
    }

    @Test
    void shouldRefuseANamedPublicationThatPublishesOnlySomeChangesRowsOrColumnsOfAMirroredTable() throws Exception {
        db.execute("CREATE TABLE ledger (id int PRIMARY KEY, amount int, secret text)",
                "CREATE PUBLICATION inserts_only FOR TABLE ledger WITH (publish = 'insert')",
                "CREATE PUBLICATION some_rows FOR TABLE ledger WHERE (id > 50)",
                "CREATE PUBLICATION some_columns FOR TABLE ledger (id, amount)",
                "CREATE PUBLICATION all_of_it FOR TABLE ledger");
        List<TableId> ledger = List.of(TableId.parse("ledger"));

        assertPermanent(() -> validate(new MirrorSource("id_ops", ledger, "inserts_only", "mirrorflow_id_ops")),
                Problem.PUBLICATION_FILTERS_CHANGES).hasMessageContaining("does not publish every kind of change")
                .hasMessageContaining("SET (publish = 'insert, update, delete, truncate')");
        assertPermanent(() -> validate(new MirrorSource("id_rows", ledger, "some_rows", "mirrorflow_id_rows")),
                Problem.PUBLICATION_FILTERS_CHANGES).hasMessageContaining("publishes only some rows of table"
                        + " public.ledger (a row filter)");
        assertPermanent(() -> validate(new MirrorSource("id_cols", ledger, "some_columns", "mirrorflow_id_cols")),
                Problem.PUBLICATION_FILTERS_CHANGES).hasMessageContaining("publishes only some columns of table"
                        + " public.ledger (a column list)");
        assertThatCode(() -> validate(new MirrorSource("id_all", ledger, "all_of_it", "mirrorflow_id_all")))
                .doesNotThrowAnyException();
    }

    private static Object validate(MirrorSource source) {
        SourceValidator.validate(ScratchPeers.of(db), source);
        return null;
    }

    private static long count(String query) throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertPermanent(
            ThrowingSupplier<?> call, Problem problem) {
        return assertThatThrownBy(call::get)
                .isInstanceOfSatisfying(SourceConfigurationException.class, e -> {
                    assertThat(e.problem()).isEqualTo(problem);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).doesNotContain("\n");
                });
    }
}
