package dev.mirrorflow.connector.postgres.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.connector.InvalidPeerException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PostgresPeerUrlTest {

    private static final String SECRET = "s3cret-Passw0rd";

    @Test
    void shouldReadALibpqUrlWithUserPortDatabaseAndSslmode() {
        PostgresPeer peer = PostgresPeerUrl.parse("postgres://cdc@db.example:6543/shop?sslmode=require");

        assertThat(peer).isEqualTo(new PostgresPeer("db.example", 6543, "shop", "cdc", null,
                Map.of("sslmode", "require")));
    }

    @Test
    void shouldAcceptThePostgresqlSchemeAndDefaultThePortTo5432() {
        PostgresPeer peer = PostgresPeerUrl.parse("postgresql://cdc@db.example/shop");

        assertThat(peer.port()).isEqualTo(5432);
        assertThat(peer.host()).isEqualTo("db.example");
        assertThat(peer.properties()).isEmpty();
    }

    @Test
    void shouldReadAJdbcUrlWithTheUserAsAParameter() {
        PostgresPeer peer = PostgresPeerUrl.parse(
                "jdbc:postgresql://10.0.0.7:5433/shop?user=cdc&sslmode=verify-full&sslrootcert=/etc/ca.pem");

        assertThat(peer).isEqualTo(new PostgresPeer("10.0.0.7", 5433, "shop", "cdc", null,
                Map.of("sslmode", "verify-full", "sslrootcert", "/etc/ca.pem")));
    }

    @Test
    void shouldDefaultTheJdbcPortTo5432() {
        assertThat(PostgresPeerUrl.parse("jdbc:postgresql://db.example/shop?user=cdc").port()).isEqualTo(5432);
    }

    @Test
    void shouldReadAnIpv6HostWithAndWithoutPort() {
        assertThat(PostgresPeerUrl.parse("postgres://cdc@[::1]:55432/shop"))
                .isEqualTo(PostgresPeer.of("::1", 55432, "shop", "cdc", null));
        assertThat(PostgresPeerUrl.parse("postgres://cdc@[fe80::1%25eth0]/shop").port()).isEqualTo(5432);
    }

    @Test
    void shouldAcceptHostNamesWithUnderscoresAsComposeServicesHaveThem() {
        assertThat(PostgresPeerUrl.parse("postgres://cdc@pg_source:5432/shop").host()).isEqualTo("pg_source");
    }

    @Test
    void shouldPercentDecodeUserAndDatabaseKeepingAPlus() {
        PostgresPeer peer = PostgresPeerUrl.parse("postgres://cdc%40corp@db.example/my%2Fshop+1");

        assertThat(peer.user()).isEqualTo("cdc@corp");
        assertThat(peer.database()).isEqualTo("my/shop+1");
        assertThat(peer.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:5432/my%2Fshop%2B1");
    }

    @Test
    void shouldMapLibpqParameterNamesToPgjdbcOnes() {
        PostgresPeer peer = PostgresPeerUrl.parse(
                "postgres://cdc@db.example/shop?connect_timeout=5&application_name=cdc-prod");

        assertThat(peer.properties()).containsOnly(
                Map.entry("connectTimeout", "5"), Map.entry("ApplicationName", "cdc-prod"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "postgres://cdc:" + SECRET + "@db.example:5432/shop",
        "postgresql://cdc:" + SECRET + "@db.example/shop?sslmode=require",
        "postgres://cdc:@db.example/shop",
        "jdbc:postgresql://db.example:5432/shop?user=cdc&password=" + SECRET,
        "postgres://cdc@db.example/shop?password=" + SECRET,
        "postgres://cdc@db.example/shop?PASSWORD=" + SECRET,
        // Unencoded '@' and '/' in a password, which a naive split would take for host or database.
        "postgres://cdc:s3cret@Passw0rd@db.example/shop",
        "postgres://cdc:s3cret/Passw0rd@db.example/shop",
    })
    void shouldRefuseAPasswordInTheUrlWithoutRepeatingIt(String url) {
        assertThatThrownBy(() -> PostgresPeerUrl.parse(url))
                .isInstanceOf(InvalidPeerException.class)
                .hasMessageStartingWith("the peer URL contains a password; put the password in a file and pass"
                        + " --password-file")
                .hasMessageNotContaining("s3cret")
                .hasMessageNotContaining("Passw0rd");
    }

    @Test
    void shouldRefuseOtherSecretsInTheUrl() {
        assertThatThrownBy(() -> PostgresPeerUrl.parse("postgres://cdc@db.example/shop?sslpassword=" + SECRET))
                .isInstanceOf(InvalidPeerException.class)
                .hasMessage("the peer URL sets sslpassword, a secret, which mirrorflow does not take in a URL; use a"
                        + " client key without a passphrase");
    }

    @Test
    void shouldRefuseAnotherSchemeNamingTheFormsItTakes() {
        assertThatThrownBy(() -> PostgresPeerUrl.parse("mysql://cdc@db.example/shop"))
                .isInstanceOf(InvalidPeerException.class)
                .hasMessage("the peer URL must start with postgres://, postgresql:// or jdbc:postgresql:// (it starts"
                        + " with mysql:); write postgres://USER@HOST:PORT/DATABASE or"
                        + " jdbc:postgresql://HOST:PORT/DATABASE?user=USER");
    }

    @Test
    void shouldRefuseAnUnknownParameterListingTheSupportedOnes() {
        assertThatThrownBy(() -> PostgresPeerUrl.parse("postgres://cdc@db.example/shop?target_session_attrs=any"))
                .isInstanceOf(InvalidPeerException.class)
                .hasMessage("the peer URL parameter target_session_attrs is not supported; supported: user,"
                        + " ApplicationName, connectTimeout, loginTimeout, options, socketTimeout, sslcert, sslkey,"
                        + " sslmode, sslrootcert, tcpKeepAlive (and libpq's connect_timeout, application_name)");
    }

    @Test
    void shouldRefuseAnUnknownSslmode() {
        assertThatThrownBy(() -> PostgresPeerUrl.parse("postgres://cdc@db.example/shop?sslmode=maybe"))
                .isInstanceOf(InvalidPeerException.class)
                .hasMessageContaining("sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full");
    }

    @Test
    void shouldRefuseAUrlWithoutUserHostOrDatabase() {
        assertThatThrownBy(() -> PostgresPeerUrl.parse("postgres://db.example/shop"))
                .hasMessageStartingWith("the peer URL names no user");
        assertThatThrownBy(() -> PostgresPeerUrl.parse("postgres://cdc@/shop"))
                .hasMessageStartingWith("the peer URL names no host");
        assertThatThrownBy(() -> PostgresPeerUrl.parse("postgres://cdc@db.example"))
                .hasMessageStartingWith("the peer URL names no database");
        assertThatThrownBy(() -> PostgresPeerUrl.parse("jdbc:postgresql://db.example:5432/"))
                .hasMessageStartingWith("the peer URL names no");
        assertThatThrownBy(() -> PostgresPeerUrl.parse("  "))
                .hasMessageStartingWith("the peer URL is empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "65536", "54x", "-1", ""})
    void shouldRefuseABadPort(String port) {
        assertThatThrownBy(() -> PostgresPeerUrl.parse("postgres://cdc@db.example:" + port + "/shop"))
                .isInstanceOf(InvalidPeerException.class)
                .hasMessage("the peer URL's port must be a number from 1 to 65535 (or leave it out for 5432)");
    }

    @Test
    void shouldRefuseSeveralHostsTwoUsersAndARepeatedParameter() {
        assertThatThrownBy(() -> PostgresPeerUrl.parse("postgres://cdc@h1:5432,h2:5432/shop"))
                .hasMessageContaining("several hosts");
        assertThatThrownBy(() -> PostgresPeerUrl.parse("postgres://cdc@db.example/shop?user=other"))
                .hasMessageContaining("two different users");
        assertThatThrownBy(() -> PostgresPeerUrl.parse("postgres://cdc@db.example/shop?sslmode=require&sslmode=disable"))
                .hasMessageContaining("sets sslmode twice");
    }

    @Test
    void shouldRefuseABrokenPercentEncoding() {
        assertThatThrownBy(() -> PostgresPeerUrl.parse("postgres://cdc@db.example/sh%zzop"))
                .isInstanceOf(InvalidPeerException.class)
                .hasMessageContaining("'%' that is not followed by two hex digits");
    }
}
