package dev.mirrorflow.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.SecretCipher;
import dev.mirrorflow.catalog.StoredPeer;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectorsTest {

    private final SecretCipher cipher = new SecretCipher(SecretCipher.newKey());

    @Test
    void shouldHaveAConnectorForEverySupportedPeerTypeAndNoneForTheOthers() {
        for (PeerType type : PeerType.values()) {
            boolean supported;
            try {
                PeerType.parse(type.id());
                supported = true;
            } catch (InvalidPeerException e) {
                supported = false;
            }
            assertThat(Connectors.standard().has(type)).as("a connector for %s", type.id()).isEqualTo(supported);
            if (supported) {
                assertThat(Connectors.standard().require(type).type()).isEqualTo(type);
                assertThat(Connectors.standard().require(type).codec().type()).isEqualTo(type);
            }
        }
    }

    @Test
    void shouldTurnWhatPeerCreateGetsIntoAPeerTheStoreKeepsIntact() {
        PeerCodec codec = Connectors.standard().require(PeerType.POSTGRES).codec();

        PeerConfig parsed = codec.parseUrl("postgres://cdc@db1.example:6543/shop?sslmode=require");
        PeerConfig peer = codec.withPassword(parsed, "s3cret-Passw0rd");

        assertThat(peer).isEqualTo(new PostgresPeer("db1.example", 6543, "shop", "cdc", "s3cret-Passw0rd",
                Map.of("sslmode", "require")));
        assertThat(peer.type()).isEqualTo(PeerType.POSTGRES);
        assertThat(peer.location()).isEqualTo("db1.example:6543/shop");
        assertThat(peer.user()).isEqualTo("cdc");
        StoredPeer stored = PeerStore.seal("shop_src", peer, cipher, Connectors.standard());
        assertThat(stored.type()).isEqualTo("postgres");
        assertThat(stored.configPublic()).doesNotContain("s3cret");
        assertThat(PeerStore.open(stored, cipher, Connectors.standard())).isEqualTo(peer);
    }

    @Test
    void shouldRefuseAStoredPeerOfATypeWithoutConnectorInOneLine() {
        StoredPeer stored = new StoredPeer("docs_src", "cassandra", "{\"type\":\"cassandra\"}",
                cipher.encrypt("docs_src", "{}".getBytes(StandardCharsets.UTF_8)), cipher.keyId(), null);

        assertThatThrownBy(() -> PeerStore.open(stored, cipher, Connectors.standard()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("peer docs_src is a cassandra peer, which this version of mirrorflow cannot use");
    }

    @Test
    void shouldTurnWhatPeerCreateGetsIntoAMongodbPeerTheStoreKeepsIntact() {
        PeerCodec codec = Connectors.standard().require(PeerType.MONGODB).codec();

        PeerConfig parsed = codec.parseUrl("mongodb://cdc@db1.example:27018/?replicaSet=rs0&authSource=admin");
        PeerConfig peer = codec.withPassword(parsed, "s3cret-Passw0rd");

        assertThat(peer.type()).isEqualTo(PeerType.MONGODB);
        assertThat(peer.location()).isEqualTo("db1.example:27018 (replica set rs0)");
        assertThat(peer.user()).isEqualTo("cdc");
        assertThat(peer.toString()).doesNotContain("s3cret");
        StoredPeer stored = PeerStore.seal("docs_src", peer, cipher, Connectors.standard());
        assertThat(stored.type()).isEqualTo("mongodb");
        assertThat(stored.configPublic()).doesNotContain("s3cret");
        assertThat(PeerStore.open(stored, cipher, Connectors.standard())).isEqualTo(peer);
    }

    @Test
    void shouldRefuseAPasswordFileForAMongodbUrlWithoutUserInOneLine() {
        PeerCodec codec = Connectors.standard().require(PeerType.MONGODB).codec();
        PeerConfig parsed = codec.parseUrl("mongodb://db1.example:27018/?replicaSet=rs0");

        assertThatThrownBy(() -> codec.withPassword(parsed, "s3cret-Passw0rd"))
                .isInstanceOf(InvalidPeerException.class)
                .hasMessage("a password file was given but the peer URL names no user; write the user before the"
                        + " host (mongodb://USER@HOST:PORT/...), or leave out --password-file for a deployment"
                        + " without access control");
    }

    @Test
    void shouldRefuseAnotherTypesPeerWhereAPostgresPeerIsNeeded() {
        PeerConfig other = new PeerConfig() {
            @Override
            public PeerType type() {
                return PeerType.MONGODB;
            }

            @Override
            public String location() {
                return "mongo.example:27017";
            }

            @Override
            public String user() {
                return "reader";
            }
        };

        assertThatThrownBy(() -> Connectors.standard().require(PeerType.POSTGRES).codec().publicJson(other))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("a mongodb peer was given where a postgres peer is needed");
    }
}
