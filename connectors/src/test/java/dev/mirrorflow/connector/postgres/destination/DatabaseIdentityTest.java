package dev.mirrorflow.connector.postgres.destination;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.connector.postgres.destination.DestinationValidator.DatabaseIdentity;
import org.junit.jupiter.api.Test;

/** Two peers reach one database when its oid is the same on the same server, however the server is named. */
class DatabaseIdentityTest {

    private static final String STARTED = "2026-12-01 18:00:00.123456+00";

    @Test
    void shouldTellTheSameDatabaseOfTheSameServerEvenWhenOneLoginCannotReadTheSystemIdentifier() {
        DatabaseIdentity privileged = new DatabaseIdentity("7714391223859898448", STARTED, 16384);
        DatabaseIdentity unprivileged = new DatabaseIdentity(null, STARTED, 16384);

        assertThat(privileged.sameDatabaseAs(unprivileged)).isTrue();
        assertThat(unprivileged.sameDatabaseAs(privileged)).isTrue();
    }

    @Test
    void shouldTellOtherDatabasesAndOtherServersApart() {
        DatabaseIdentity one = new DatabaseIdentity("7714391223859898448", STARTED, 16384);

        assertThat(one.sameDatabaseAs(new DatabaseIdentity("7714391223859898448", STARTED, 16385))).isFalse();
        assertThat(one.sameDatabaseAs(new DatabaseIdentity("1111111111111111111", "2026-12-01 17:00:00+00", 16384)))
                .isFalse();
        assertThat(new DatabaseIdentity(null, STARTED, 16384)
                .sameDatabaseAs(new DatabaseIdentity(null, "2026-12-01 17:00:00+00", 16384))).isFalse();
    }
}
