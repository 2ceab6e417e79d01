package dev.mirrorflow.connector.postgres.setup;

import dev.mirrorflow.connector.postgres.slot.AcquiredSlot;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.PrivateCluster;
import dev.mirrorflow.connector.postgres.ScratchPeers;
import dev.mirrorflow.connector.postgres.slot.SlotAcquirer;
import dev.mirrorflow.connector.postgres.slot.SlotAcquisitionMetrics;
import dev.mirrorflow.connector.postgres.slot.SlotRetryPolicy;
import dev.mirrorflow.connector.postgres.SourceConfigurationException;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.catalog.ScratchDatabase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingSupplier;

/**
 * Every permanent source problem that can be set up on the dev-env server (or, for a server
 * without a free replication slot, on a private cluster, see {@link PrivateCluster}) ends in a
 * non-retryable error with its own message. One cannot: wal_level other than logical needs a
 * restart with other settings, so it is covered by SourceFailureClassifierTest on the same check.
 */
class SourceValidatorIT {

    private static final String SUFFIX = ScratchDatabase.randomSuffix();
    private static final String NO_REPLICATION_ROLE = "mf_norepl_" + SUFFIX;
    private static final String NO_SELECT_ROLE = "mf_noselect_" + SUFFIX;
    private static final String ROLE_PASSWORD = "Role-Pw-" + SUFFIX;

    private static ScratchDatabase db;
    private static ScratchDatabase otherDb;
    private final SlotAcquirer acquirer = new SlotAcquirer(SlotRetryPolicy.DEFAULT, new SlotAcquisitionMetrics());

    @BeforeAll
    static void createDatabasesAndRoles() throws SQLException {
        db = ScratchDatabase.create("source_validator");
        otherDb = ScratchDatabase.create("source_validator_other");
        db.execute("CREATE TABLE orders (id bigint PRIMARY KEY, note text)",
                "CREATE TABLE audit (at timestamptz NOT NULL, payload text)",
                "CREATE UNIQUE INDEX audit_at ON audit (at)",
                "ALTER TABLE audit REPLICA IDENTITY USING INDEX audit_at",
                "CREATE ROLE " + NO_REPLICATION_ROLE + " NOLOGIN",
                "ALTER ROLE " + NO_REPLICATION_ROLE + " LOGIN PASSWORD '" + ROLE_PASSWORD + "'",
                "CREATE ROLE " + NO_SELECT_ROLE + " LOGIN REPLICATION PASSWORD '" + ROLE_PASSWORD + "'");
    }

    @AfterAll
    static void dropDatabasesAndRoles() throws Exception {
        db.close();
        otherDb.close();
        try (Connection c = ScratchPeers.server("postgres").connect(); Statement s = c.createStatement()) {
            s.execute("DROP ROLE IF EXISTS " + NO_REPLICATION_ROLE);
            s.execute("DROP ROLE IF EXISTS " + NO_SELECT_ROLE);
        }
        assertThat(ScratchDatabase.slotsOf(db.name())).isEmpty();
        assertThat(ScratchDatabase.slotsOf(otherDb.name())).isEmpty();
    }

    @Test
    void shouldAcceptLogicalWalLevelAReplicationUserAndTablesWithAPrimaryKeyOrAReplicaIdentityIndex() {
        assertThatCode(() -> SourceValidator.validate(ScratchPeers.of(db), mirror("orders", "audit"))).doesNotThrowAnyException();
    }

    @Test
    void shouldRejectAUserWithoutReplicationWhenValidatingAndWhenAcquiringTheSlot() {
        PostgresPeer peer = ScratchPeers.of(db).withLogin(NO_REPLICATION_ROLE, ROLE_PASSWORD);
        MirrorSource source = mirror("orders");

        assertPermanent(() -> validate(peer, source), Problem.MISSING_REPLICATION_PRIVILEGE)
                .hasMessage("mirror %s: user %s has neither the REPLICATION attribute nor superuser on %s; run ALTER "
                        + "ROLE %s REPLICATION as a superuser, then run mirrorflow mirror resync %s",
                        source.mirror(), NO_REPLICATION_ROLE, peer.location(), NO_REPLICATION_ROLE, source.mirror());
        assertPermanent(() -> acquirer.acquire(peer, source, 1), Problem.MISSING_REPLICATION_PRIVILEGE)
                .hasMessageContaining("user " + NO_REPLICATION_ROLE + " may not use replication on " + peer.location())
                .hasMessageContaining("run ALTER ROLE " + NO_REPLICATION_ROLE + " REPLICATION as a superuser");
    }

    @Test
    void shouldRejectABadPasswordWithoutRepeatingIt() {
        String wrong = "Wrong-Pw-" + SUFFIX;
        PostgresPeer peer = ScratchPeers.of(db).withLogin(ScratchDatabase.USER, wrong);
        MirrorSource source = mirror("orders");

        assertPermanent(() -> validate(peer, source), Problem.AUTHENTICATION_FAILED)
                .hasMessageContaining("PostgreSQL at " + peer.location() + " rejected user " + peer.user())
                .hasMessageContaining("fix the source peer's user and password")
                .hasMessageNotContaining(wrong);
        assertPermanent(() -> acquirer.acquire(peer, source, 1), Problem.AUTHENTICATION_FAILED)
                .hasMessageNotContaining(wrong);
    }

    @Test
    void shouldRejectAMissingDatabase() {
        PostgresPeer peer = ScratchPeers.of(db).withDatabase("missing_" + SUFFIX);
        MirrorSource source = mirror("orders");

        assertPermanent(() -> validate(peer, source), Problem.DATABASE_MISSING)
                .hasMessage("mirror %s: database missing_%s does not exist on %s:%d; create it or point the source "
                        + "peer at the right database, then run mirrorflow mirror resync %s",
                        source.mirror(), SUFFIX, peer.host(), peer.port(), source.mirror());
        assertPermanent(() -> acquirer.acquire(peer, source, 1), Problem.DATABASE_MISSING);
    }

    @Test
    void shouldRejectAMissingTable() {
        MirrorSource source = mirror("orders", "public.missing");

        assertPermanent(() -> validate(ScratchPeers.of(db), source), Problem.TABLE_MISSING)
                .hasMessage("mirror %s: table public.missing does not exist in %s; create it or remove it from the "
                        + "mirror, then run mirrorflow mirror resync %s", source.mirror(),
                        ScratchPeers.of(db).location(), source.mirror());
    }

    @Test
    void shouldRejectATableTheUserMayNotRead() {
        PostgresPeer peer = ScratchPeers.of(db).withLogin(NO_SELECT_ROLE, ROLE_PASSWORD);
        MirrorSource source = mirror("orders");

        assertPermanent(() -> validate(peer, source), Problem.MISSING_TABLE_PRIVILEGE)
                .hasMessage("mirror %s: user %s may not read table public.orders; run GRANT SELECT ON "
                        + "\"public\".\"orders\" TO %s, then run mirrorflow mirror resync %s",
                        source.mirror(), NO_SELECT_ROLE, NO_SELECT_ROLE, source.mirror());
    }

    @Test
    void shouldRejectASlotOfAnotherPluginWhenValidatingAndWhenCreatingTheSlot() throws Exception {
        MirrorSource source = mirror("orders");
        db.execute("SELECT pg_create_logical_replication_slot('" + source.slot() + "', 'test_decoding')");
        try {
            assertPermanent(() -> validate(ScratchPeers.of(db), source), Problem.SLOT_WRONG_PLUGIN)
                    .hasMessage("mirror %s, slot %s: replication slot %s exists but uses plugin test_decoding, not "
                            + "pgoutput; drop it (SELECT pg_drop_replication_slot('%s')) or give the mirror another "
                            + "slot name, then run mirrorflow mirror resync %s",
                            source.mirror(), source.slot(), source.slot(), source.slot(), source.mirror());
            try (AcquiredSlot slot = acquirer.acquire(ScratchPeers.of(db), source, 1)) {
                assertPermanent(() -> SourceSetup.createSlotIfMissing(slot), Problem.SLOT_WRONG_PLUGIN);
            }
        } finally {
            db.dropSlots();
        }
    }

    @Test
    void shouldRejectASlotOfAnotherDatabase() throws Exception {
        MirrorSource source = mirror("orders");
        otherDb.execute("SELECT pg_create_logical_replication_slot('" + source.slot() + "', 'pgoutput')");
        try {
            assertPermanent(() -> validate(ScratchPeers.of(db), source), Problem.SLOT_OTHER_DATABASE)
                    .hasMessage("mirror %s, slot %s: replication slot %s exists but belongs to database %s, not %s; "
                            + "give the mirror another slot name or point the source peer at database %s, then "
                            + "run mirrorflow mirror resync %s", source.mirror(), source.slot(), source.slot(),
                            otherDb.name(), db.name(), otherDb.name(), source.mirror());
        } finally {
            otherDb.dropSlots();
        }
    }

    @Test
    void shouldRejectAServerWithoutAFreeSlotWhenValidatingAndWhenCreatingTheSlot() throws Exception {
        // A cluster of this test's own, with two slots: filling the shared server's would break
        // every test that runs beside this one.
        try (PrivateCluster cluster = PrivateCluster.start(2)) {
            MirrorSource source = mirror("orders");
            PostgresPeer peer = cluster.peer("postgres");
            try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE orders (id bigint PRIMARY KEY, note text)");
                // Physical slots count against max_replication_slots as logical ones do, and cost less.
                s.execute("SELECT pg_create_physical_replication_slot('mf_fill_1')");
                s.execute("SELECT pg_create_physical_replication_slot('mf_fill_2')");
            }
            assertPermanent(() -> validate(peer, source), Problem.NO_FREE_REPLICATION_SLOTS)
                    .hasMessageContaining("max_replication_slots");
            try (AcquiredSlot slot = acquirer.acquire(peer, source, 1)) {
                assertPermanent(() -> SourceSetup.createSlotIfMissing(slot), Problem.NO_FREE_REPLICATION_SLOTS)
                        .hasMessageContaining("max_replication_slots");
            }
        }
    }

    private static MirrorSource mirror(String... tables) {
        return MirrorSource.of("val_" + ScratchDatabase.randomSuffix(),
                Arrays.stream(tables).map(TableId::parse).toList());
    }

    private static Object validate(PostgresPeer peer, MirrorSource source) {
        SourceValidator.validate(peer, source);
        return null;
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertPermanent(
            ThrowingSupplier<?> call, Problem problem) {
        return assertThatThrownBy(call::get)
                .isInstanceOfSatisfying(SourceConfigurationException.class, e -> {
                    assertThat(e.problem()).isEqualTo(problem);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).doesNotContain("\n", ScratchDatabase.PASSWORD + "@", ROLE_PASSWORD);
                });
    }
}
