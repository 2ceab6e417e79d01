package dev.mirrorflow.connector;

import dev.mirrorflow.catalog.CatalogConflictException;
import dev.mirrorflow.catalog.PeerRepository;
import dev.mirrorflow.catalog.SecretCipher;
import dev.mirrorflow.catalog.SecretDecryptionException;
import dev.mirrorflow.catalog.StoredPeer;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Peers as the rest of mirrorflow sees them: stored in the catalog with their secrets encrypted,
 * read back decrypted for whoever connects (activities, {@code mirrorflow peer check}).
 *
 * <p>A peer is stored twice over: {@code config_public} is what may be shown, and {@code
 * config_encrypted} holds the whole configuration, password included, encrypted with the peer's
 * name as associated data. Only the encrypted copy is ever used to connect; the public copy is for
 * display and holds no password. What each copy holds is the peer type's {@link PeerCodec}'s
 * business, found through {@link Connectors}: the store itself knows no type.
 */
public final class PeerStore {

    /** The same rule as the catalog's {@code peers_name_format} constraint, checked before it is reached. */
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    private final PeerRepository repository;
    private final SecretCipher cipher;
    private final Connectors connectors;

    /**
     * @param cipher the key this process holds; null when it holds none, which is enough for
     *     listing and dropping peers but not for creating or reading one
     * @param connectors whose codecs store and read the peers of each type
     */
    public PeerStore(PeerRepository repository, SecretCipher cipher, Connectors connectors) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.cipher = cipher;
        this.connectors = Objects.requireNonNull(connectors, "connectors");
    }

    /** A store with {@link Connectors#standard()}'s codecs. */
    public PeerStore(PeerRepository repository, SecretCipher cipher) {
        this(repository, cipher, Connectors.standard());
    }

    /** A store that can list, find and drop peers but not decrypt them. */
    public PeerStore(PeerRepository repository) {
        this(repository, null);
    }

    /**
     * @return {@code name}, when it is a valid peer name
     * @throws InvalidPeerException saying what a valid name looks like
     */
    public static String requireValidName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidPeerException("'" + Printable.of(name) + "' is not a valid peer name: use a lowercase"
                    + " letter, then up to 62 lowercase letters, digits or underscores (e.g. orders_src)");
        }
        return name;
    }

    /**
     * Stores a new peer of any type this version has a connector for.
     *
     * @throws CatalogConflictException when the name is taken
     */
    public void create(String name, PeerConfig peer) {
        requireValidName(name);
        if (cipher == null) {
            throw new IllegalStateException("creating a peer needs a secret key");
        }
        repository.create(seal(name, peer, cipher, connectors));
    }

    /**
     * Fails early, before a slow reachability check, when the name is taken; {@link #create} still
     * refuses a name another process takes in between.
     *
     * @throws CatalogConflictException when a peer of that name exists
     */
    public void requireNameFree(String name) {
        if (find(name).isPresent()) {
            throw PeerRepository.nameTaken(name);
        }
    }

    public Optional<StoredPeer> find(String name) {
        return repository.find(requireValidName(name));
    }

    public StoredPeer require(String name) {
        return find(name).orElseThrow(() -> new UnknownPeerException(name));
    }

    /**
     * The peer of that name, decrypted, ready for its type's connector.
     *
     * @throws UnknownPeerException when there is none
     * @throws IllegalStateException when this version has no connector for its type
     * @throws SecretDecryptionException when this process has another key or none, or the stored
     *     secrets were altered
     */
    public PeerConfig open(String name) {
        return open(require(name), cipher, connectors);
    }

    /**
     * The PostgreSQL peer of that name, decrypted, ready to connect: for code inside the
     * connectors; everything else uses {@link #open}.
     *
     * @throws UnknownPeerException when there is none
     * @throws IllegalStateException when the peer is of another type
     * @throws SecretDecryptionException when this process has another key or none, or the stored
     *     secrets were altered
     */
    public PostgresPeer postgres(String name) {
        PeerConfig peer = open(name);
        if (peer instanceof PostgresPeer postgres) {
            return postgres;
        }
        throw new IllegalStateException("peer " + name + " is a " + peer.type().id() + " peer, where a postgres"
                + " peer is needed");
    }

    /**
     * The type of the peer of that name, read without decrypting anything.
     *
     * @throws UnknownPeerException when there is none
     */
    public PeerType typeOf(String name) {
        return PeerType.ofStored(require(name).type());
    }

    public List<PeerSummary> list() {
        return repository.list().stream().map(PeerSummary::of).toList();
    }

    /**
     * @return false when there was no such peer
     * @throws CatalogConflictException when a live mirror uses it
     */
    public boolean drop(String name) {
        return repository.drop(requireValidName(name));
    }

    /** The row to store for {@code peer}; package-visible so that tests can look at the bytes. */
    static StoredPeer seal(String name, PeerConfig peer, SecretCipher cipher) {
        return seal(name, peer, cipher, Connectors.standard());
    }

    static StoredPeer seal(String name, PeerConfig peer, SecretCipher cipher, Connectors connectors) {
        PeerCodec codec = connectors.require(peer.type()).codec();
        byte[] secret = codec.secretJson(peer);
        try {
            return new StoredPeer(name, peer.type().id(), codec.publicJson(peer), cipher.encrypt(name, secret),
                    cipher.keyId(), null);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /**
     * Decrypts a peer read from the catalog already (by {@link #find}), with {@link
     * Connectors#standard()}'s codecs; {@code cipher} null means this process has no key. For a
     * caller that reads on one thread and decrypts on another.
     *
     * @throws IllegalStateException when this version has no connector for its type
     * @throws SecretDecryptionException as {@link #open(String)} does
     */
    public static PeerConfig open(StoredPeer stored, SecretCipher cipher) {
        return open(stored, cipher, Connectors.standard());
    }

    static PeerConfig open(StoredPeer stored, SecretCipher cipher, Connectors connectors) {
        PeerType type = knownType(stored.type());
        if (type == null || !connectors.has(type)) {
            // Only a newer mirrorflow can have stored it, since this one creates peers of its own types only.
            throw new IllegalStateException("peer " + stored.name() + " is a " + stored.type() + " peer, which this"
                    + " version of mirrorflow cannot use");
        }
        if (cipher == null) {
            throw new SecretDecryptionException(SecretCipher.wrongKeyMessage(stored.name(), stored.keyId(), null));
        }
        byte[] secret = cipher.decrypt(stored.name(), stored.keyId(), stored.configEncrypted());
        try {
            return connectors.require(type).codec().fromSecretJson(stored.name(), secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    private static PeerType knownType(String id) {
        for (PeerType type : PeerType.values()) {
            if (type.id().equals(id)) {
                return type;
            }
        }
        return null;
    }
}
