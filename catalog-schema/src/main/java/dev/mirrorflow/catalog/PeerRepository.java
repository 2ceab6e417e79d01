package dev.mirrorflow.catalog;

import static dev.mirrorflow.catalog.jooq.Tables.MIRRORS;
import static dev.mirrorflow.catalog.jooq.Tables.PEERS;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/** Peers: named connections to source and destination databases. */
public final class PeerRepository {

    private final Supplier<DSLContext> dslSource;
    private final DataSource dataSource;

    PeerRepository(Supplier<DSLContext> dslSource, DataSource dataSource) {
        this.dslSource = dslSource;
        this.dataSource = dataSource;
    }

    private DSLContext dsl() {
        return dslSource.get();
    }

    /** Stores a new peer; a taken name is a {@link CatalogConflictException}. */
    public void create(StoredPeer peer) {
        int inserted = dsl().insertInto(PEERS)
                .set(PEERS.NAME, peer.name())
                .set(PEERS.PEER_TYPE, peer.type())
                .set(PEERS.CONFIG_PUBLIC, JSONB.valueOf(peer.configPublic()))
                .set(PEERS.CONFIG_ENCRYPTED, peer.configEncrypted())
                .set(PEERS.KEY_ID, peer.keyId())
                .onConflictDoNothing()
                .execute();
        if (inserted == 0) {
            throw nameTaken(peer.name());
        }
    }

    /** The conflict {@link #create} reports, for callers that look before they create. */
    public static CatalogConflictException nameTaken(String name) {
        return new CatalogConflictException("a peer named '" + name
                + "' already exists; drop it first (mirrorflow peer drop " + name + ") or pick another name");
    }

    /** Plain JDBC: mirror status reads with it (see {@link PlainReads}). */
    public Optional<StoredPeer> find(String name) {
        return PlainReads.first(dataSource, PEER_COLUMNS + " WHERE name = ?", PeerRepository::readPeer, name);
    }

    /** Plain JDBC: it is all `peer list` reads (see {@link PlainReads}). */
    public List<StoredPeer> list() {
        return PlainReads.list(dataSource, PEER_COLUMNS + " ORDER BY name", PeerRepository::readPeer);
    }

    private static final String PEER_COLUMNS = "SELECT name, peer_type, config_public, config_encrypted, key_id,"
            + " created_at FROM " + CatalogConfig.SCHEMA + ".peers";

    private static StoredPeer readPeer(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new StoredPeer(rs.getString("name"), rs.getString("peer_type"), rs.getString("config_public"),
                rs.getBytes("config_encrypted"), rs.getString("key_id"), PlainReads.instant(rs, "created_at"));
    }

    /**
     * Drops a peer no live mirror uses. Returns false when there was no such peer; a peer in use
     * is a {@link CatalogConflictException} naming the mirrors.
     */
    public boolean drop(String name) {
        return dsl().transactionResult(tx -> {
            DSLContext t = tx.dsl();
            // Locking the peer row first serialises this with MirrorRepository.create, which
            // takes a key-share lock on the peers it references.
            if (t.selectOne().from(PEERS).where(PEERS.NAME.eq(name)).forUpdate().fetchOptional().isEmpty()) {
                return false;
            }
            List<String> users = t.select(MIRRORS.NAME).from(MIRRORS)
                    .where(MIRRORS.DROPPED_AT.isNull())
                    .and(MIRRORS.SOURCE_PEER.eq(name).or(MIRRORS.DESTINATION_PEER.eq(name)))
                    .orderBy(MIRRORS.NAME)
                    .fetch(MIRRORS.NAME);
            if (!users.isEmpty()) {
                throw new CatalogConflictException("peer '" + name + "' is used by mirror(s) "
                        + String.join(", ", users) + "; drop those mirrors first");
            }
            t.deleteFrom(PEERS).where(PEERS.NAME.eq(name)).execute();
            return true;
        });
    }

    /** Replaces the stored configuration of a peer (e.g. a new password). */
    public boolean updateConfig(String name, String configPublic, byte[] configEncrypted, String keyId) {
        return dsl().update(PEERS)
                .set(PEERS.CONFIG_PUBLIC, JSONB.valueOf(configPublic))
                .set(PEERS.CONFIG_ENCRYPTED, configEncrypted)
                .set(PEERS.KEY_ID, keyId)
                .set(PEERS.UPDATED_AT, DSL.currentOffsetDateTime())
                .where(PEERS.NAME.eq(name))
                .execute() == 1;
    }
}
