package dev.mirrorflow.connector.postgres.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresPeerTest {

    @Test
    void shouldKeepPasswordsOutOfToString() {
        PostgresPeer peer = new PostgresPeer("db.example", 5432, "shop", "cdc", "s3cret-Passw0rd",
                Map.of("sslmode", "verify-full", "sslpassword", "key-Passw0rd"));

        assertThat(peer.toString())
                .contains("db.example:5432/shop", "user=cdc", "sslmode=verify-full")
                .doesNotContain("s3cret-Passw0rd", "key-Passw0rd");
    }

    @Test
    void shouldBracketAnIpv6HostInTheUrl() {
        assertThat(PostgresPeer.of("::1", 5432, "shop", "cdc", "x").jdbcUrl())
                .isEqualTo("jdbc:postgresql://[::1]:5432/shop");
    }
}
