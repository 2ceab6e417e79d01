package dev.mirrorflow.catalog;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** A migrated catalog in a scratch database of its own, for each integration test class. */
abstract class CatalogFixture {

    static {
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
    }

    protected static ScratchDatabase database;
    protected static Catalog catalog;

    @BeforeAll
    static void openCatalog() {
        database = ScratchDatabase.create("mirrorflow_it");
        catalog = Catalog.open(database.catalogConfig());
    }

    @AfterAll
    static void dropCatalog() {
        if (catalog != null) {
            catalog.close();
        }
        if (database != null) {
            database.close();
        }
    }

    protected static StoredPeer peer(String name) {
        return new StoredPeer(name, "postgres", "{\"host\":\"127.0.0.1\"}", new byte[] {1, 2, 3}, "k1", null);
    }

    protected static MirrorRow newMirror(String name, String source, String destination) {
        return catalog.mirrors().create(new NewMirror(name, source, destination,
                "{\"name\":\"" + name + "\"}", "mirror/" + name));
    }
}
