package dev.mirrorflow.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PeerRepositoryIT extends CatalogFixture {

    @Test
    void shouldStoreAndListPeersWithTheirEncryptedConfigUntouched() {
        byte[] sealed = {9, 8, 7, 6};
        catalog.peers().create(new StoredPeer("pr_src", "postgres", "{\"host\": \"db1\"}", sealed, "key-a", null));
        catalog.peers().create(peer("pr_dst"));

        StoredPeer found = catalog.peers().find("pr_src").orElseThrow();
        assertThat(found.configEncrypted()).containsExactly(9, 8, 7, 6);
        assertThat(found.configPublic()).contains("db1");
        assertThat(found.keyId()).isEqualTo("key-a");
        assertThat(found.createdAt()).isNotNull();
        assertThat(catalog.peers().list()).extracting(StoredPeer::name).contains("pr_dst", "pr_src");
    }

    @Test
    void shouldListPeersByNameWithEveryFieldAsStoredAlsoOverOneConnection() {
        catalog.peers().create(new StoredPeer("pl_b", "mongodb", "{\"host\": \"db2\", \"port\": 27017}",
                new byte[] {4, 5}, "key-b", null));
        catalog.peers().create(new StoredPeer("pl_a", "postgres", "{\"host\": \"db1\"}", new byte[] {1}, "key-a", null));

        try (Catalog oneConnection = Catalog.openForOneCommand(database.catalogConfig())) {
            for (Catalog c : List.of(catalog, oneConnection)) {
                List<StoredPeer> listed = c.peers().list().stream().filter(p -> p.name().startsWith("pl_")).toList();
                assertThat(listed).extracting(StoredPeer::name).containsExactly("pl_a", "pl_b");
                for (StoredPeer p : listed) {
                    StoredPeer found = catalog.peers().find(p.name()).orElseThrow();
                    assertThat(p.type()).isEqualTo(found.type());
                    assertThat(p.configPublic()).isEqualTo(found.configPublic());
                    assertThat(p.configEncrypted()).containsExactly(found.configEncrypted());
                    assertThat(p.keyId()).isEqualTo(found.keyId());
                    assertThat(p.createdAt()).isEqualTo(found.createdAt());
                }
                assertThat(listed.get(1).type()).isEqualTo("mongodb");
                assertThat(listed.get(1).configEncrypted()).containsExactly(4, 5);
            }
        }
    }

    @Test
    void shouldRefuseADuplicatePeerName() {
        catalog.peers().create(peer("pr_dup"));
        assertThatThrownBy(() -> catalog.peers().create(peer("pr_dup")))
                .isInstanceOf(CatalogConflictException.class)
                .hasMessageContaining("a peer named 'pr_dup' already exists");
    }

    @Test
    void shouldRejectAnInvalidPeerNameAtTheDatabase() {
        assertThatThrownBy(() -> catalog.peers().create(peer("Bad Name")))
                .hasMessageContaining("peers_name_format");
    }

    @Test
    void shouldRefuseToDropAPeerALiveMirrorUsesAndAllowItOnceTheMirrorIsDropped() {
        catalog.peers().create(peer("pr_used_src"));
        catalog.peers().create(peer("pr_used_dst"));
        MirrorRow m = newMirror("pr_user", "pr_used_src", "pr_used_dst");

        assertThatThrownBy(() -> catalog.peers().drop("pr_used_src"))
                .isInstanceOf(CatalogConflictException.class)
                .hasMessageContaining("used by mirror(s) pr_user");
        assertThat(catalog.peers().find("pr_used_src")).isPresent();

        catalog.mirrors().markDropped(m.id());
        assertThat(catalog.peers().drop("pr_used_src")).isTrue();
        assertThat(catalog.peers().find("pr_used_src")).isEmpty();
        // The dropped mirror still says which peer it used.
        assertThat(catalog.mirrors().findById(m.id()).orElseThrow().sourcePeer()).isEqualTo("pr_used_src");
    }

    @Test
    void shouldReportThatAMissingPeerWasNotDropped() {
        assertThat(catalog.peers().drop("pr_never_there")).isFalse();
    }
}
