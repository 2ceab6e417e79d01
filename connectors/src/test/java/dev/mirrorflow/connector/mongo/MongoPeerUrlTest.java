package dev.mirrorflow.connector.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.connector.InvalidPeerException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MongoPeerUrlTest {

    private static final String SECRET = "s3cret-Passw0rd";

    @Test
    void shouldReadASeedListWithUserReplicaSetAndAuthSource() {
        MongoPeer peer = MongoPeerUrl.parse(
                "mongodb://cdc@db1.example:27018,db2.example/?replicaSet=rs0&authSource=admin");

        assertThat(peer).isEqualTo(new MongoPeer(false, List.of("db1.example:27018", "db2.example:27017"), null,
                "cdc", null, Map.of("replicaSet", "rs0", "authSource", "admin")));
        assertThat(peer.authenticationDatabase()).isEqualTo("admin");
        assertThat(peer.location()).isEqualTo("db1.example:27018,db2.example:27017 (replica set rs0)");
    }

    @Test
    void shouldReadAnSrvUrlWithTlsOptions() {
        MongoPeer peer = MongoPeerUrl.parse(
                "mongodb+srv://cdc@Cluster0.Example.net/shop?tls=true&tlsCAFile=/etc/ssl/ca.pem&authSource=admin");

        assertThat(peer.srv()).isTrue();
        assertThat(peer.hosts()).containsExactly("cluster0.example.net");
        assertThat(peer.database()).isEqualTo("shop");
        assertThat(peer.options()).containsExactlyInAnyOrderEntriesOf(
                Map.of("tls", "true", "tlsCAFile", "/etc/ssl/ca.pem", "authSource", "admin"));
    }

    @Test
    void shouldAcceptAnAuthMechanismWithAUser() {
        assertThat(MongoPeerUrl.parse("mongodb://cdc@db.example/?authMechanism=SCRAM-SHA-1").option("authMechanism"))
                .isEqualTo("SCRAM-SHA-1");
    }

    @Test
    void shouldAcceptOptionNamesInAnyCaseAndSslAsTls() {
        MongoPeer peer = MongoPeerUrl.parse("mongodb://cdc@db.example/?REPLICASET=rs0&ssl=true&authsource=admin");

        assertThat(peer.options()).containsExactlyInAnyOrderEntriesOf(
                Map.of("replicaSet", "rs0", "tls", "true", "authSource", "admin"));
    }

    @Test
    void shouldAuthenticateAgainstTheUrlsDatabaseWithoutAuthSourceAndAdminWithoutEither() {
        assertThat(MongoPeerUrl.parse("mongodb://cdc@db.example/shop").authenticationDatabase()).isEqualTo("shop");
        assertThat(MongoPeerUrl.parse("mongodb://cdc@db.example").authenticationDatabase()).isEqualTo("admin");
    }

    @Test
    void shouldReadAnIpv6HostAndPercentDecodeTheUser() {
        MongoPeer peer = MongoPeerUrl.parse("mongodb://cdc%40corp@[::1]:27117/?replicaSet=rs0");

        assertThat(peer.hosts()).containsExactly("[::1]:27117");
        assertThat(peer.user()).isEqualTo("cdc@corp");
    }

    @Test
    void shouldAcceptAUrlWithoutUserForADeploymentWithoutAccessControl() {
        MongoPeer peer = MongoPeerUrl.parse("mongodb://localhost:27017/?directConnection=true");

        assertThat(peer.user()).isNull();
        assertThat(peer.options()).containsEntry("directConnection", "true");
    }

    @Test
    void shouldWriteTheConnectionStringWithoutUserAndWithSortedOptions() {
        MongoPeer peer = MongoPeerUrl.parse("mongodb://cdc@db.example/shop?replicaSet=rs0&authSource=admin")
                .withPassword(SECRET);

        assertThat(peer.connectionString()).isEqualTo("mongodb://db.example:27017/shop?authSource=admin&replicaSet=rs0");
        assertThat(peer.toString()).doesNotContain(SECRET);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "mongodb://cdc:" + SECRET + "@db.example/?replicaSet=rs0",
        "mongodb+srv://cdc:" + SECRET + "@cluster0.example.net/",
        "mongodb://cdc:@db.example/",
        "mongodb://cdc:p/" + SECRET + "@db.example/shop",
        "mongodb://db.example/?password=" + SECRET,
    })
    void shouldRefuseAPasswordInTheUrlInOneLineWithoutRepeatingIt(String url) {
        assertThatThrownBy(() -> MongoPeerUrl.parse(url))
                .isInstanceOf(InvalidPeerException.class)
                .hasMessageStartingWith(MongoPeerUrl.PASSWORD_IN_URL)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET).doesNotContain("\n"));
    }

    @Test
    void shouldRefuseOptionsThatMayCarryASecret() {
        assertThatThrownBy(() -> MongoPeerUrl.parse(
                "mongodb://cdc@db.example/?authMechanismProperties=AWS_SESSION_TOKEN:" + SECRET))
                .isInstanceOf(InvalidPeerException.class)
                .hasMessage("the peer URL sets authMechanismProperties, which may carry a secret and which mirrorflow"
                        + " does not take in a URL");
        assertThatThrownBy(() -> MongoPeerUrl.parse("mongodb://cdc@db.example/?tlsCertificateKeyFilePassword=" + SECRET))
                .hasMessageNotContaining(SECRET);
    }

    @Test
    void shouldRefuseOtherSchemesNamingTheSchemeSeen() {
        assertThatThrownBy(() -> MongoPeerUrl.parse("postgres://cdc@db.example/shop"))
                .isInstanceOf(InvalidPeerException.class)
                .hasMessage("the peer URL must start with mongodb:// or mongodb+srv:// (it starts with postgres:);"
                        + " write mongodb://USER@HOST:PORT/?replicaSet=NAME&authSource=admin or"
                        + " mongodb+srv://USER@CLUSTER-HOST/?authSource=admin");
    }

    @Test
    void shouldRefuseUnknownOptionsListingTheSupportedOnes() {
        assertThatThrownBy(() -> MongoPeerUrl.parse("mongodb://cdc@db.example/?w=majority"))
                .isInstanceOf(InvalidPeerException.class)
                .hasMessageStartingWith("the peer URL option w is not supported; supported: appName, authMechanism,"
                        + " authSource,");
    }

    @Test
    void shouldRefuseAPortOnAnSrvHostAndASeedListOnSrv() {
        assertThatThrownBy(() -> MongoPeerUrl.parse("mongodb+srv://cdc@cluster0.example.net:27017/"))
                .hasMessage("a mongodb+srv:// peer URL's host has no port (DNS gives the ports); remove :27017 or use"
                        + " mongodb://HOST:PORT");
        assertThatThrownBy(() -> MongoPeerUrl.parse("mongodb+srv://cdc@a.example.net,b.example.net/"))
                .hasMessageStartingWith("a mongodb+srv:// peer URL names one host");
    }

    @Test
    void shouldRefuseBadValuesInOneLine() {
        assertThatThrownBy(() -> MongoPeerUrl.parse("mongodb://cdc@db.example/?tls=yes"))
                .hasMessage("the peer URL's tls must be true or false");
        assertThatThrownBy(() -> MongoPeerUrl.parse("mongodb://cdc@db.example/?serverSelectionTimeoutMS=5s"))
                .hasMessage("the peer URL's serverSelectionTimeoutMS must be a whole number of milliseconds");
        assertThatThrownBy(() -> MongoPeerUrl.parse("mongodb://cdc@db.example/?authMechanism=MONGODB-X509"))
                .hasMessageStartingWith("the peer URL's authMechanism must be SCRAM-SHA-256 or SCRAM-SHA-1");
        assertThatThrownBy(() -> MongoPeerUrl.parse("mongodb://cdc@db.example:99999/"))
                .hasMessage("the peer URL's port must be a number from 1 to 65535 (or leave it out for 27017)");
        assertThatThrownBy(() -> MongoPeerUrl.parse("mongodb://cdc@db.example/?replicaSet"))
                .hasMessage("the peer URL option replicaSet has no value; write replicaSet=VALUE");
        assertThatThrownBy(() -> MongoPeerUrl.parse("mongodb://cdc@db.example/?tls=true&ssl=false"))
                .hasMessage("the peer URL sets tls (or ssl) twice with different values; keep one");
        assertThatThrownBy(() -> MongoPeerUrl.parse("mongodb://cdc@a.example,b.example/?directConnection=true"))
                .hasMessage("the peer URL sets directConnection=true with several hosts; name one host or drop the"
                        + " option");
        assertThatThrownBy(() -> MongoPeerUrl.parse("mongodb://cdc@db.example/my.db"))
                .hasMessageStartingWith("the peer URL's database name is not a valid MongoDB database name");
        assertThatThrownBy(() -> MongoPeerUrl.parse("mongodb://cdc@/"))
                .hasMessageStartingWith("the peer URL names no host;");
        assertThatThrownBy(() -> MongoPeerUrl.parse("mongodb://db.example/?authMechanism=SCRAM-SHA-256"))
                .hasMessageStartingWith("the peer URL sets authMechanism but names no user;");
        assertThatThrownBy(() -> MongoPeerUrl.parse(" "))
                .hasMessageStartingWith("the peer URL is empty;");
    }
}
