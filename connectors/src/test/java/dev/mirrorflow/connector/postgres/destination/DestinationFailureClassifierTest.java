package dev.mirrorflow.connector.postgres.destination;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DestinationFailureClassifierTest {

    @ParameterizedTest
    @ValueSource(strings = {"42501", "42602", "42622", "3F000", "42P01"})
    void shouldNotRetryAMissingPrivilegeOrAnObjectThatIsGone(String sqlState) {
        DestinationException e = new DestinationException("mirror orders, batch 3: applying failed",
                new SQLException("ERROR: no", sqlState));

        assertThat(DestinationFailureClassifier.permanentAdvice("orders", e, false)).hasValueSatisfying(advice ->
                assertThat(advice).endsWith("; only a resync restores the destination: fix it, then run mirrorflow"
                        + " mirror resync orders"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"08006", "57P01", "40001", "53300", "XX000"})
    void shouldRetryTroubleThatPassesByItself(String sqlState) {
        DestinationException e = new DestinationException("mirror orders: committing failed",
                new SQLException("ERROR: no", sqlState));

        assertThat(DestinationFailureClassifier.permanentAdvice("orders", e, true)).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void shouldSayToResumeOnceAPrivilegeMissingWhileStreamingIsGranted() {
        DestinationException e = new DestinationException("mirror orders: applying failed",
                new RuntimeException(new SQLException("ERROR: permission denied for table t", "42501")));

        assertThat(DestinationFailureClassifier.permanentAdvice("orders", e, true)).contains("the destination user lacks"
                + " a privilege; grant it (mirror create names what the user needs), then run mirrorflow mirror resume"
                + " orders");
        assertThat(DestinationFailureClassifier.permanentAdvice("orders", e, false)).hasValueSatisfying(advice ->
                assertThat(advice).endsWith("then run mirrorflow mirror resync orders"));
    }

    @org.junit.jupiter.api.Test
    void shouldNotRetryALoadRefusedForAPrivilegeAndRetryOneThatLostItsConnection() {
        assertThat(DestinationFailureClassifier.permanentLoadAdvice("orders", new RuntimeException("copying failed",
                new SQLException("ERROR: permission denied for table t", "42501")))).contains("a privilege is missing"
                        + " or a name does not resolve (SQLSTATE 42501), which no retry changes; fix it, then run"
                        + " mirrorflow mirror resync orders");
        assertThat(DestinationFailureClassifier.permanentLoadAdvice("orders", new RuntimeException("copying failed",
                new SQLException("An I/O error occurred", "08006")))).isEmpty();
    }
}
