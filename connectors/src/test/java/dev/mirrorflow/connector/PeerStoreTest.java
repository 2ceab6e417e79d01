package dev.mirrorflow.connector;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.SecretCipher;
import dev.mirrorflow.catalog.SecretDecryptionException;
import dev.mirrorflow.catalog.StoredPeer;
import dev.mirrorflow.connector.mongo.MongoPeer;
import dev.mirrorflow.connector.mongo.MongoPeerUrl;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PeerStoreTest {

    private static final String SECRET = "s3cret-Passw0rd";
    private static final PostgresPeer PEER = new PostgresPeer("db.example", 6543, "shop", "cdc", SECRET,
            Map.of("sslmode", "require"));

    private final SecretCipher cipher = new SecretCipher(SecretCipher.newKey());

    @Test
    void shouldKeepThePasswordOutOfThePublicConfigAndTheEncryptedBytes() {
        StoredPeer stored = PeerStore.seal("orders_src", PEER, cipher);

        assertThat(stored.type()).isEqualTo("postgres");
        assertThat(stored.keyId()).isEqualTo(cipher.keyId());
        assertThat(stored.configPublic())
                .isEqualTo("{\"type\":\"postgres\",\"host\":\"db.example\",\"port\":6543,\"database\":\"shop\","
                        + "\"user\":\"cdc\",\"options\":{\"sslmode\":\"require\"}}")
                .doesNotContain(SECRET);
        assertThat(new String(stored.configEncrypted(), ISO_8859_1)).doesNotContain(SECRET, "db.example", "cdc");
    }

    @Test
    void shouldReadBackTheSamePeerPasswordIncluded() {
        StoredPeer stored = PeerStore.seal("orders_src", PEER, cipher);

        assertThat(PeerStore.open(stored, cipher)).isEqualTo(PEER);
    }

    @Test
    void shouldReadBackAPeerWithoutPassword() {
        PostgresPeer trusted = PostgresPeer.of("db.example", 5432, "shop", "cdc", null);

        assertThat(PeerStore.open(PeerStore.seal("orders_src", trusted, cipher), cipher)).isEqualTo(trusted);
    }

    @Test
    void shouldRefuseSecretsMovedFromOnePeerToAnother() {
        StoredPeer a = PeerStore.seal("peer_a", PEER, cipher);
        StoredPeer bWithAsSecrets = new StoredPeer("peer_b", "postgres", a.configPublic(), a.configEncrypted(),
                a.keyId(), Instant.now());

        assertThatThrownBy(() -> PeerStore.open(bWithAsSecrets, cipher))
                .isInstanceOf(SecretDecryptionException.class)
                .hasMessageContaining("peer peer_b", "belong to another peer")
                .hasMessageNotContaining(SECRET);
    }

    @Test
    void shouldNameBothKeysWhenTheProcessHoldsAnotherKey() {
        StoredPeer stored = PeerStore.seal("orders_src", PEER, cipher);
        SecretCipher other = new SecretCipher(SecretCipher.newKey());

        assertThatThrownBy(() -> PeerStore.open(stored, other))
                .isInstanceOf(SecretDecryptionException.class)
                .hasMessage("peer orders_src was encrypted with key " + cipher.keyId() + " but this process has key "
                        + other.keyId() + "; set MIRRORFLOW_SECRET_KEY to the key the peers were created with");
    }

    @Test
    void shouldSayWhichKeyIsNeededWhenTheProcessHoldsNone() {
        StoredPeer stored = PeerStore.seal("orders_src", PEER, cipher);

        assertThatThrownBy(() -> PeerStore.open(stored, null))
                .isInstanceOf(SecretDecryptionException.class)
                .hasMessage("peer orders_src was encrypted with key " + cipher.keyId() + " but this process has no"
                        + " secret key; set MIRRORFLOW_SECRET_KEY to the key the peers were created with");
    }

    @Test
    void shouldSummarisePeersFromThePublicConfigOnly() {
        StoredPeer stored = PeerStore.seal("orders_src", PEER, cipher);
        Instant created = Instant.parse("2024-05-06T07:08:09Z");
        StoredPeer listed = new StoredPeer(stored.name(), stored.type(), stored.configPublic(), new byte[] {1},
                stored.keyId(), created);

        PeerSummary summary = PeerSummary.of(listed);

        assertThat(summary).isEqualTo(new PeerSummary("orders_src", "postgres", "db.example", 6543, "shop", "cdc",
                Map.of("sslmode", "require"), cipher.keyId(), created));
        assertThat(summary.location()).isEqualTo("db.example:6543/shop");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Orders", "1peer", "_peer", "orders-src", "orders src", ""})
    void shouldRefuseNamesTheCatalogWouldRefuse(String name) {
        assertThatThrownBy(() -> PeerStore.requireValidName(name))
                .isInstanceOf(InvalidPeerException.class)
                .hasMessageEndingWith("is not a valid peer name: use a lowercase letter, then up to 62 lowercase"
                        + " letters, digits or underscores (e.g. orders_src)");
    }

    @Test
    void shouldAcceptNamesUpTo63Characters() {
        assertThat(PeerStore.requireValidName("a" + "b".repeat(62))).hasSize(63);
        assertThatThrownBy(() -> PeerStore.requireValidName("a" + "b".repeat(63)))
                .isInstanceOf(InvalidPeerException.class);
        assertThat(PeerStore.requireValidName("orders_src_2")).isEqualTo("orders_src_2");
    }

    @Test
    void shouldKeepControlCharactersOfABadNameOutOfTheMessage() {
        assertThatThrownBy(() -> PeerStore.requireValidName("bad\nname"))
                .hasMessageStartingWith("'bad?name' is not a valid peer name");
    }

    @Test
    void shouldAcceptPostgresAndMongodbAndRefuseOtherTypesNamingTheSupportedOnes() {
        assertThat(PeerType.parse("postgres")).isEqualTo(PeerType.POSTGRES);
        assertThat(PeerType.parse("MongoDB")).isEqualTo(PeerType.MONGODB);
        assertThatThrownBy(() -> PeerType.parse("oracle"))
                .isInstanceOf(InvalidPeerException.class)
                .hasMessage("unknown peer type 'oracle'; supported types: postgres, mongodb");
    }

    @Test
    void shouldKeepAMongodbPeersPasswordOutOfThePublicConfigAndOpenItIntact() {
        MongoPeer mongo = MongoPeerUrl.parse("mongodb://cdc@db1.example:27018,db2.example/shop?replicaSet=rs0"
                + "&authSource=admin").withPassword(SECRET);

        StoredPeer stored = PeerStore.seal("docs_src", mongo, cipher);

        assertThat(stored.type()).isEqualTo("mongodb");
        assertThat(stored.configPublic()).doesNotContain(SECRET).contains("db1.example:27018", "cdc", "rs0");
        assertThat(new String(stored.configEncrypted(), ISO_8859_1)).doesNotContain(SECRET, "cdc");
        assertThat(PeerStore.open(stored, cipher)).isEqualTo(mongo);
    }

    @Test
    void shouldSummariseAMongodbPeerWithItsSeedListAndReplicaSet() {
        Instant created = Instant.parse("2024-05-06T07:08:09Z");
        StoredPeer one = PeerStore.seal("docs_src",
                MongoPeerUrl.parse("mongodb://cdc@db1.example:27018/?replicaSet=rs0"), cipher);
        StoredPeer several = PeerStore.seal("docs_src",
                MongoPeerUrl.parse("mongodb://cdc@db1.example:27018,db2.example/shop?replicaSet=rs0"), cipher);
        StoredPeer srv = PeerStore.seal("docs_src", MongoPeerUrl.parse("mongodb+srv://cdc@cluster0.example/"), cipher);

        PeerSummary oneHost = PeerSummary.of(new StoredPeer(one.name(), one.type(), one.configPublic(),
                new byte[] {1}, one.keyId(), created));
        assertThat(oneHost).isEqualTo(new PeerSummary("docs_src", "mongodb", "db1.example", 27018, "", "cdc",
                Map.of("replicaSet", "rs0"), cipher.keyId(), created));
        assertThat(oneHost.location()).isEqualTo("db1.example:27018 (replica set rs0)");
        assertThat(PeerSummary.of(new StoredPeer(several.name(), several.type(), several.configPublic(),
                new byte[] {1}, several.keyId(), created)).location())
                .isEqualTo("db1.example:27018,db2.example:27017/shop (replica set rs0)");
        assertThat(PeerSummary.of(new StoredPeer(srv.name(), srv.type(), srv.configPublic(),
                new byte[] {1}, srv.keyId(), created)).location()).isEqualTo("cluster0.example");
    }
}
