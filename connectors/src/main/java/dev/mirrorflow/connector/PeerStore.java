package dev.mirrorflow.connector;

import dev.mirrorflow.catalog.CatalogConflictException;
import dev.mirrorflow.catalog.PeerRepository;
import dev.mirrorflow.catalog.SecretCipher;
import dev.mirrorflow.catalog.SecretDecryptionException;
import dev.mirrorflow.catalog.StoredPeer;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.peer.PostgresPeerConfig;
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
 * display and holds no password.
 */
public final class PeerStore {

    /** The same rule as the catalog's {@code peers_name_format} constraint, checked before it is reached. */
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    private final PeerRepository repository;
    private final SecretCipher cipher;

    /**
     * @param cipher the key this process holds; null when it holds none, which is enough for
     *     listing and dropping peers but not for creating or reading one
     */
    public PeerStore(PeerRepository repository, SecretCipher cipher) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.cipher = cipher;
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
     * Stores a new PostgreSQL peer.
     *
     * @throws CatalogConflictException when the name is taken
     */
    public void create(String name, PostgresPeer peer) {
        requireValidName(name);
        if (cipher == null) {
            throw new IllegalStateException("creating a peer needs a secret key");
        }
        repository.create(seal(name, peer, cipher));
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
     * The PostgreSQL peer of that name, decrypted, ready to connect.
     *
     * @throws UnknownPeerException when there is none
     * @throws IllegalStateException when the peer is of another type
     * @throws SecretDecryptionException when this process has another key or none, or the stored
     *     secrets were altered
     */
    public PostgresPeer postgres(String name) {
        return open(require(name), cipher);
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
    static StoredPeer seal(String name, PostgresPeer peer, SecretCipher cipher) {
        byte[] secret = PostgresPeerConfig.secretJson(peer);
        try {
            return new StoredPeer(name, PeerType.POSTGRES.id(), PostgresPeerConfig.publicJson(peer),
                    cipher.encrypt(name, secret), cipher.keyId(), null);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** Decrypts a stored PostgreSQL peer; {@code cipher} null means this process has no key. */
    static PostgresPeer open(StoredPeer stored, SecretCipher cipher) {
        if (!PeerType.POSTGRES.id().equals(stored.type())) {
            // Only a newer mirrorflow can have stored it, since this one creates postgres peers only.
            throw new IllegalStateException("peer " + stored.name() + " is a " + stored.type() + " peer, which this"
                    + " version of mirrorflow cannot use");
        }
        if (cipher == null) {
            throw new SecretDecryptionException(SecretCipher.wrongKeyMessage(stored.name(), stored.keyId(), null));
        }
        byte[] secret = cipher.decrypt(stored.name(), stored.keyId(), stored.configEncrypted());
        try {
            return PostgresPeerConfig.fromSecretJson(stored.name(), secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }
}
