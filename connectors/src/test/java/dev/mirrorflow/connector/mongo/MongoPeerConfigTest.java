package dev.mirrorflow.connector.mongo;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.SecretDecryptionException;
import org.junit.jupiter.api.Test;

class MongoPeerConfigTest {

    private static final String SECRET = "s3cret-Passw0rd";

    private final MongoPeer peer = MongoPeerUrl.parse(
            "mongodb://cdc@db1.example,db2.example:27018/shop?replicaSet=rs0&authSource=admin&tls=true")
            .withPassword(SECRET);

    @Test
    void shouldKeepThePasswordOutOfThePublicJson() {
        String json = MongoPeerConfig.publicJson(peer);

        assertThat(json).isEqualTo("{\"type\":\"mongodb\",\"srv\":false,\"hosts\":[\"db1.example:27017\","
                + "\"db2.example:27018\"],\"database\":\"shop\",\"user\":\"cdc\",\"options\":{\"authSource\":\"admin\","
                + "\"replicaSet\":\"rs0\",\"tls\":\"true\"}}");
        assertThat(json).doesNotContain(SECRET);
    }

    @Test
    void shouldReadTheSecretJsonBackToTheSamePeer() {
        byte[] json = MongoPeerConfig.secretJson(peer);

        assertThat(new String(json, UTF_8)).contains(SECRET);
        assertThat(MongoPeerConfig.fromSecretJson("docs", json)).isEqualTo(peer);
    }

    @Test
    void shouldReadAnSrvPeerWithoutUserBack() {
        MongoPeer srv = MongoPeerUrl.parse("mongodb+srv://cluster0.example.net/");

        assertThat(MongoPeerConfig.fromSecretJson("docs", MongoPeerConfig.secretJson(srv))).isEqualTo(srv);
    }

    @Test
    void shouldRefuseAnotherTypesConfigurationInOneLineNamingNoContent() {
        byte[] postgres = ("{\"type\":\"postgres\",\"host\":\"db\",\"password\":\"" + SECRET + "\"}").getBytes(UTF_8);

        assertThatThrownBy(() -> MongoPeerConfig.fromSecretJson("docs", postgres))
                .isInstanceOf(SecretDecryptionException.class)
                .hasMessage("cannot read the stored configuration of peer docs: they are not a mongodb peer's"
                        + " configuration; recreate it with mirrorflow peer drop docs and mirrorflow peer create docs")
                .hasNoCause();
        assertThatThrownBy(() -> MongoPeerConfig.fromSecretJson("docs", ("not json " + SECRET).getBytes(UTF_8)))
                .hasMessageNotContaining(SECRET);
    }
}
