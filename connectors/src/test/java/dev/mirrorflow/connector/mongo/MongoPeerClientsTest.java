package dev.mirrorflow.connector.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.AuthenticationMechanism;
import com.mongodb.MongoClientSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MongoPeerClientsTest {

    @Test
    void shouldUseThePromptTimeoutsUnlessTheUrlSetsItsOwn() {
        MongoClientSettings defaults = MongoPeerClients.settings(
                MongoPeerUrl.parse("mongodb://cdc@db.example/?replicaSet=rs0"), MongoPeerClients.FOR_PROMPT);
        MongoClientSettings own = MongoPeerClients.settings(
                MongoPeerUrl.parse("mongodb://cdc@db.example/?serverSelectionTimeoutMS=1500&connectTimeoutMS=700"),
                MongoPeerClients.FOR_PROMPT);

        assertThat(defaults.getClusterSettings().getServerSelectionTimeout(TimeUnit.MILLISECONDS)).isEqualTo(5000);
        assertThat(defaults.getSocketSettings().getConnectTimeout(TimeUnit.MILLISECONDS)).isEqualTo(5000);
        assertThat(defaults.getSocketSettings().getReadTimeout(TimeUnit.MILLISECONDS)).isEqualTo(30000);
        assertThat(defaults.getClusterSettings().getRequiredReplicaSetName()).isEqualTo("rs0");
        assertThat(defaults.getApplicationName()).isEqualTo("mirrorflow");
        assertThat(own.getClusterSettings().getServerSelectionTimeout(TimeUnit.MILLISECONDS)).isEqualTo(1500);
        assertThat(own.getSocketSettings().getConnectTimeout(TimeUnit.MILLISECONDS)).isEqualTo(700);
    }

    @Test
    void shouldLogInAgainstAuthSourceWithTheMechanismNamed() {
        MongoClientSettings settings = MongoPeerClients.settings(
                MongoPeerUrl.parse("mongodb://cdc@db.example/shop?authSource=users&authMechanism=SCRAM-SHA-256")
                        .withPassword("pw"), MongoPeerClients.FOR_WORKER);

        assertThat(settings.getCredential().getUserName()).isEqualTo("cdc");
        assertThat(settings.getCredential().getSource()).isEqualTo("users");
        assertThat(settings.getCredential().getAuthenticationMechanism())
                .isEqualTo(AuthenticationMechanism.SCRAM_SHA_256);
        assertThat(settings.getCredential().getPassword()).containsExactly('p', 'w');
    }

    @Test
    void shouldNotLogInWithoutAUser() {
        assertThat(MongoPeerClients.settings(MongoPeerUrl.parse("mongodb://db.example/"), MongoPeerClients.FOR_WORKER)
                .getCredential()).isNull();
    }

    @Test
    void shouldSayInOneLineWhenTheCaFileIsUnusable(@TempDir Path dir) throws Exception {
        Path notPem = dir.resolve("ca.pem");
        Files.writeString(notPem, "not a certificate\n");

        assertThatThrownBy(() -> MongoPeerClients.settings(MongoPeerUrl.parse(
                "mongodb://cdc@db.example/?tls=true&tlsCAFile=" + notPem), MongoPeerClients.FOR_PROMPT))
                .isInstanceOf(MongoPeerException.class)
                .hasMessage("the peer's tlsCAFile " + notPem + " is unusable: it is not a PEM file of X.509"
                        + " certificates; point tlsCAFile at the CA certificate(s) in PEM form");
        assertThatThrownBy(() -> MongoPeerClients.settings(MongoPeerUrl.parse(
                "mongodb://cdc@db.example/?tlsCAFile=" + dir.resolve("missing.pem")), MongoPeerClients.FOR_PROMPT))
                .hasMessage("the peer's tlsCAFile " + dir.resolve("missing.pem") + " is unusable: it cannot be read"
                        + " (NoSuchFileException); point tlsCAFile at the CA certificate(s) in PEM form");
    }

    @Test
    void shouldNameTheInnermostCauseOfAServerSelectionTimeout() {
        String driver = "Timed out while waiting for a server that matches ReadPreferenceServerSelector{readPreference"
                + "=primary}. Client view of cluster state is {type=REPLICA_SET, servers=[{address=127.0.0.1:1, "
                + "type=UNKNOWN, state=CONNECTING, exception={com.mongodb.MongoSocketOpenException: Exception opening "
                + "socket}, caused by {java.net.ConnectException: Connection refused}}]";

        assertThat(MongoFailureClassifier.selectionCause(driver, MongoPeerUrl.parse("mongodb://127.0.0.1:1/")))
                .isEqualTo("no server answered within the server selection timeout: java.net.ConnectException:"
                        + " Connection refused");
    }
}
