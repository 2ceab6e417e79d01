package dev.mirrorflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class CatalogPrefetchTest {

    @Test
    void shouldLogInEarlyForTheOneConnectionCommandsWithoutCatalogFlags() {
        assertThat(CatalogPrefetch.applies(new String[] {"mirror", "list"})).isTrue();
        assertThat(CatalogPrefetch.applies(new String[] {"mirror", "status", "orders", "--json"})).isTrue();
        assertThat(CatalogPrefetch.applies(new String[] {"peer", "list", "--json"})).isTrue();
        assertThat(CatalogPrefetch.applies(new String[] {"mirror", "create", "-f", "m.yaml"})).isTrue();
    }

    @Test
    void shouldLeaveEveryOtherCommandLineToConnectItself() {
        // A flag sets the catalog otherwise than the environment: the command's own settings decide.
        assertThat(CatalogPrefetch.applies(new String[] {"mirror", "list", "--catalog-url", "jdbc:postgresql://x/y"}))
                .isFalse();
        assertThat(CatalogPrefetch.applies(new String[] {"peer", "list", "--catalog-user=other"})).isFalse();
        // --watch opens a pool; help and version open nothing.
        assertThat(CatalogPrefetch.applies(new String[] {"mirror", "status", "orders", "--watch"})).isFalse();
        assertThat(CatalogPrefetch.applies(new String[] {"mirror", "list", "--help"})).isFalse();
        assertThat(CatalogPrefetch.applies(new String[] {"peer", "list", "-h"})).isFalse();
        assertThat(CatalogPrefetch.applies(new String[] {"mirror", "status", "--", "--watch"})).isFalse();
        // Commands that open a pool, or no catalog.
        assertThat(CatalogPrefetch.applies(new String[] {"mirror", "drop", "orders"})).isFalse();
        assertThat(CatalogPrefetch.applies(new String[] {"peer", "create", "p"})).isFalse();
        assertThat(CatalogPrefetch.applies(new String[] {"worker"})).isFalse();
        assertThat(CatalogPrefetch.applies(new String[] {})).isFalse();
    }

    @Test
    void shouldOfferSecp256r1FirstUnlessTheUserChoseTheGroups() {
        Properties unset = new Properties();
        MirrorflowCommand.preferP256KeyShares(unset);
        assertThat(unset.getProperty("jdk.tls.namedGroups")).startsWith("secp256r1,x25519,")
                // Every group JDK 17 offers by default is still offered.
                .contains("secp384r1", "secp521r1", "x448", "ffdhe2048", "ffdhe8192");

        Properties chosen = new Properties();
        chosen.setProperty("jdk.tls.namedGroups", "x25519");
        MirrorflowCommand.preferP256KeyShares(chosen);
        assertThat(chosen.getProperty("jdk.tls.namedGroups")).isEqualTo("x25519");
    }
}
