package dev.mirrorflow.connector.postgres;

import dev.mirrorflow.connector.postgres.setup.MirrorSource;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.SlotBusyException;
import dev.mirrorflow.connector.postgres.setup.SourceValidator;
import dev.mirrorflow.connector.TableId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.connector.postgres.SourceConfigurationException.Problem;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SourceFailureClassifierTest {

    private static final String SECRET = "s3cret-Passw0rd";
    private static final PostgresPeer PEER = PostgresPeer.of("db.example", 5432, "shop", "cdc", SECRET);
    private static final MirrorSource ORDERS = MirrorSource.of("orders", List.of(TableId.parse("public.orders")));
    private static final SourceOperation ACQUIRING =
            SourceOperation.of("acquiring replication slot mirrorflow_orders", PEER, ORDERS);

    @Test
    void shouldTreatASlotActiveForAnotherProcessAsRetryableSlotBusyNamingThePid() {
        SourceException e = classify("55006", "ERROR: replication slot \"mirrorflow_orders\" is active for PID 4242");

        assertThat(e).isInstanceOf(SlotBusyException.class);
        assertThat(e.retryable()).isTrue();
        assertThat(e.type()).isEqualTo("SlotBusy");
        assertThat(((SlotBusyException) e).holderPid()).hasValue(4242);
        assertThat(((SlotBusyException) e).slot()).isEqualTo("mirrorflow_orders");
        assertThat(e.getMessage()).contains("mirror orders", "slot mirrorflow_orders", "in use by PID 4242",
                "will retry");
    }

    @Test
    void shouldRetryAnObjectInUseThatIsNoSlot() {
        SourceException e = SourceFailureClassifier.classify(new SQLException("ERROR: in use", "55006"),
                new SourceOperation("dropping something", PEER, "orders", null, null));

        assertThat(e).isInstanceOf(SourceUnavailableException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"08001", "08006", "08003", "57P01", "57P02", "57P03", "53300", "40001", "40P01",
            "55P03", "58030", "XX000"})
    void shouldRetryConnectionFailuresRestartsShortagesAndConflicts(String sqlState) {
        SourceException e = classify(sqlState, "something went away");

        assertThat(e).isInstanceOf(SourceUnavailableException.class);
        assertThat(e.retryable()).isTrue();
        assertThat(e.type()).isEqualTo("SourceUnavailable");
        assertThat(e.getMessage()).contains("mirror orders", "db.example:5432", "will retry");
    }

    @Test
    void shouldRetryAnIoErrorThatHasNoSqlState() {
        SourceException e = SourceFailureClassifier.classify(new SQLException("An I/O error occurred"), ACQUIRING);

        assertThat(e).isInstanceOf(SourceUnavailableException.class);
        assertThat(e.getMessage()).contains("cannot reach PostgreSQL at db.example:5432/shop");
    }

    @Test
    void shouldNotRetryABadPasswordAndSayWhatToFix() {
        SourceException e = classify("28P01", "FATAL: password authentication failed for user \"cdc\"");

        assertPermanent(e, Problem.AUTHENTICATION_FAILED);
        assertThat(e.getMessage()).contains("rejected user cdc", "fix the source peer's user and password");
    }

    @Test
    void shouldSayAPasswordIsRequiredWhenTheServerAsksForOneThePeerDoesNotHave() {
        // pgjdbc's words, with 08004, for a SCRAM server and a login without password.
        SourceException e = classify("08004",
                "The server requested SCRAM-based authentication, but no password was provided.");

        assertPermanent(e, Problem.AUTHENTICATION_FAILED);
        assertThat(e.getMessage()).contains("requires a password for user cdc and the source peer has none",
                "--password-file").doesNotContain("cannot reach", "will retry");
    }

    @Test
    void shouldNotRetryARejectedLogin() {
        assertPermanent(classify("28000", "FATAL: no pg_hba.conf entry for host"), Problem.AUTHENTICATION_FAILED);
    }

    @Test
    void shouldNotRetryAMissingDatabase() {
        SourceException e = classify("3D000", "FATAL: database \"shop\" does not exist");

        assertPermanent(e, Problem.DATABASE_MISSING);
        assertThat(e.getMessage()).contains("database shop does not exist on db.example:5432", "create it");
    }

    @Test
    void shouldNotRetryAMissingTableAndNameIt() {
        SourceException e = SourceFailureClassifier.classify(
                new SQLException("ERROR: relation \"public.orders\" does not exist", "42P01"),
                ACQUIRING.withTable(ORDERS.tables().get(0)));

        assertPermanent(e, Problem.TABLE_MISSING);
        assertThat(e.getMessage()).contains("table public.orders does not exist", "remove it from the mirror");
    }

    @Test
    void shouldNotRetryAMissingReplicationPrivilegeAndSayWhichRoleAttributeToGrant() {
        SourceException e = classify("42501", "FATAL: must be superuser or replication role to start walsender");

        assertPermanent(e, Problem.MISSING_REPLICATION_PRIVILEGE);
        assertThat(e.getMessage()).contains("ALTER ROLE cdc REPLICATION");
    }

    @Test
    void shouldNotRetryAMissingTablePrivilegeAndSayWhatToGrant() {
        SourceException e = SourceFailureClassifier.classify(new SQLException(
                "ERROR: permission denied for table orders", "42501"), ACQUIRING.withTable(ORDERS.tables().get(0)));

        assertPermanent(e, Problem.MISSING_TABLE_PRIVILEGE);
        assertThat(e.getMessage()).contains("GRANT SELECT ON \"public\".\"orders\" TO cdc");
    }

    /**
     * The shared dev-env server has 32 slots and lowering max_replication_slots needs a restart, so
     * running out of slots is tested here, on the SQLSTATE Postgres uses for it.
     */
    @Test
    void shouldNotRetryWhenAllReplicationSlotsAreInUseAndSayHowToFreeOne() {
        SourceException e = classify("53400", "ERROR: all replication slots are in use");

        assertPermanent(e, Problem.NO_FREE_REPLICATION_SLOTS);
        assertThat(e.getMessage()).contains("slot mirrorflow_orders", "all replication slots",
                "raise max_replication_slots", "drop unused slots");
    }

    @Test
    void shouldNotRetryLogicalDecodingWithoutLogicalWalLevel() {
        SourceException e = classify("55000", "ERROR: logical decoding requires wal_level >= logical");

        assertPermanent(e, Problem.WAL_LEVEL_NOT_LOGICAL);
        assertThat(e.getMessage()).contains("ALTER SYSTEM SET wal_level = logical", "restart PostgreSQL");
    }

    @Test
    void shouldNotRetryASlotOfAnotherDatabase() {
        assertPermanent(classify("55000",
                "ERROR: replication slot \"mirrorflow_orders\" was not created in this database"),
                Problem.SLOT_OTHER_DATABASE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"42601", "42704", "0A000", "22023", "55000"})
    void shouldNotRetryAnyOtherRefusal(String sqlState) {
        SourceException e = classify(sqlState, "ERROR: no");

        assertPermanent(e, Problem.OTHER);
        assertThat(e.getMessage()).contains("SQLSTATE " + sqlState, "then run mirrorflow mirror resync ");
    }

    @Test
    void shouldReportTheFirstLineOfAMultiLineDriverMessage() {
        SourceException e = classify("28P01", "FATAL: password authentication failed\n  Detail: more\n  Hint: h");

        assertThat(e.getMessage()).doesNotContain("\n", "Detail");
    }

    @Test
    void shouldSayWhatToDoWhenWalLevelIsNotLogical() {
        SourceOperation op = new SourceOperation("validating the source", PEER, "orders", null, null);

        assertThatThrownBy(() -> SourceValidator.requireLogicalWalLevel("replica", op))
                .isInstanceOfSatisfying(SourceConfigurationException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.WAL_LEVEL_NOT_LOGICAL))
                .hasMessage("mirror orders: wal_level is replica, not logical on db.example:5432; run ALTER SYSTEM "
                        + "SET wal_level = logical and restart PostgreSQL, then run mirrorflow mirror resync orders");
        SourceValidator.requireLogicalWalLevel("logical", op);
    }

    @Test
    void shouldRefuseToCreateASlotWhenTheServerHasNoneLeft() {
        SourceOperation op = ACQUIRING.withSlot("mirrorflow_orders");

        assertThatThrownBy(() -> SourceValidator.requireFreeSlot(10, 10, op))
                .isInstanceOfSatisfying(SourceConfigurationException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.NO_FREE_REPLICATION_SLOTS))
                .hasMessageContaining("raise max_replication_slots");
        SourceValidator.requireFreeSlot(9, 10, op);
    }

    @Test
    void shouldWordAPeerCommandsBadPasswordForAPersonNotAMirror() {
        SourceException e = SourceFailureClassifier.classify(
                new SQLException("FATAL: password authentication failed for user \"cdc\"", "28P01"),
                SourceOperation.onPeer("checking that it is reachable", PEER, "orders_src"));

        assertThat(e.getMessage()).isEqualTo("peer orders_src: PostgreSQL at db.example:5432/shop rejected user cdc"
                + " (FATAL: password authentication failed for user \"cdc\"); fix peer orders_src's user and password"
                + " (or pg_hba.conf), then run the command again");
    }

    @Test
    void shouldEndAMirrorCreatesMessagesInRunningCreateAgainAndPromiseNoRetry() {
        SourceOperation creating = SourceOperation.creatingMirror("validating the source", PEER, "orders");

        assertThat(SourceFailureClassifier.classify(
                new SQLException("FATAL: password authentication failed for user \"cdc\"", "28P01"), creating)
                .getMessage()).isEqualTo("mirror orders: PostgreSQL at db.example:5432/shop rejected user cdc"
                        + " (FATAL: password authentication failed for user \"cdc\"); fix the source peer's user and"
                        + " password (or pg_hba.conf), then run mirror create again");
        assertThat(SourceFailureClassifier.classify(
                new SQLException("Connection to db.example:5432 refused.", "08001"), creating).getMessage())
                .doesNotContain("will retry").endsWith("reachable from here");
    }

    @Test
    void shouldNotPromiseARetryToAPeerCommandThatCannotReachTheServer() {
        SourceException e = SourceFailureClassifier.classify(
                new SQLException("Connection to db.example:5432 refused.", "08001"),
                SourceOperation.onPeer("checking that it is reachable", PEER, "orders_src"));

        assertThat(e).isInstanceOf(SourceUnavailableException.class);
        assertThat(e.getMessage()).isEqualTo("peer orders_src: cannot reach PostgreSQL at db.example:5432/shop while"
                + " checking that it is reachable (Connection to db.example:5432 refused.); check the host and port"
                + " and that the server is up and reachable from here");
    }

    private static SourceException classify(String sqlState, String message) {
        return SourceFailureClassifier.classify(new SQLException(message, sqlState), ACQUIRING);
    }

    private static void assertPermanent(SourceException e, Problem problem) {
        assertThat(e).isInstanceOf(SourceConfigurationException.class);
        assertThat(((SourceConfigurationException) e).problem()).isEqualTo(problem);
        assertThat(e.retryable()).isFalse();
        assertThat(e.type()).isEqualTo("SourceConfiguration");
        assertThat(e.getMessage()).startsWith("mirror orders").doesNotContain("\n", SECRET);
    }
}
