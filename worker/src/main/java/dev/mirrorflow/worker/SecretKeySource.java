package dev.mirrorflow.worker;

import static java.nio.charset.StandardCharsets.US_ASCII;

import dev.mirrorflow.catalog.SecretCipher;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the key that encrypts peers' secrets in the catalog: the environment variable
 * {@value #ENV_SECRET_KEY} (base64 of 32 bytes) if set, or the file {@value #ENV_SECRET_KEY_FILE}
 * names (a container secret holding the same text), else the file {@value #FILE_NAME} under the
 * state directory, which the first process to need a key creates.
 *
 * <p>Every worker and CLI that reads or writes peers must hold the same key, so an installation
 * with workers on several hosts sets {@value #ENV_SECRET_KEY} everywhere, or copies the one key
 * file. A key file that cannot be read is an error, never a reason to make a new key: a new key
 * would leave every stored peer undecryptable.
 *
 * <p>The key file holds the same base64 text the variable takes, so {@code
 * MIRRORFLOW_SECRET_KEY=$(cat secret.key)} moves a key from a file to the environment. It is
 * created with permissions 0600, atomically and under a file lock, so that processes starting
 * together agree on one key.
 */
public final class SecretKeySource {

    public static final String ENV_SECRET_KEY = EnvironmentVariables.SECRET_KEY;
    public static final String ENV_SECRET_KEY_FILE = EnvironmentVariables.SECRET_KEY_FILE;
    public static final String FILE_NAME = "secret.key";

    /** Base64 of 32 bytes is 44 characters; anything this long was not written by us. */
    static final int MAX_FILE_BYTES = 1024;

    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private static final String GENERATE_HINT = "generate one with: head -c 32 /dev/urandom | base64";

    private static final Logger log = LoggerFactory.getLogger(SecretKeySource.class);

    private final StateFile keyFile;
    private final Function<String, String> environment;

    /**
     * @param stateDir the directory that holds (or will hold) the key file
     * @param environment looks up environment variables, {@code System::getenv} in production
     */
    public SecretKeySource(Path stateDir, Function<String, String> environment) {
        this.keyFile = new StateFile(stateDir, FILE_NAME);
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    /** Where the key file is, or would be. */
    public Path file() {
        return keyFile.path();
    }

    /**
     * The key for encrypting: from the environment, else from the key file, which is created with
     * a new random key when it does not exist yet.
     *
     * @throws SecretKeyException when the environment variable is invalid or the file cannot be
     *     read or created
     */
    public SecretCipher obtain() {
        Optional<SecretCipher> fromEnvironment = fromEnvironment();
        if (fromEnvironment.isPresent()) {
            return fromEnvironment.get();
        }
        try {
            return keyFile.underLock(() -> keyFile.exists() ? readKeyFile() : createKeyFile());
        } catch (IOException e) {
            // A directory we may not write can still hold a good key from an earlier start; reading it
            // without the lock is safe because the file only ever appears whole.
            if (keyFile.exists()) {
                return readKeyFileOrExplain();
            }
            throw new SecretKeyException("cannot create the secret key file " + file() + " (" + describe(e)
                    + "); make the state directory writable, choose another one (--state-dir), or set "
                    + ENV_SECRET_KEY + " (" + GENERATE_HINT + ")");
        }
    }

    /**
     * The key for decrypting, if this process has one: from the environment, else from an existing
     * key file. Never creates a key, because a new key cannot decrypt what an old one encrypted.
     */
    public Optional<SecretCipher> existing() {
        Optional<SecretCipher> fromEnvironment = fromEnvironment();
        if (fromEnvironment.isPresent() || !keyFile.exists()) {
            return fromEnvironment;
        }
        return Optional.of(readKeyFileOrExplain());
    }

    /** Where a key would come from, for messages when there is none. */
    public String describeSources() {
        return ENV_SECRET_KEY + " is unset and " + file() + " does not exist";
    }

    private Optional<SecretCipher> fromEnvironment() {
        String value = environment.apply(ENV_SECRET_KEY);
        String namedFile = environment.apply(ENV_SECRET_KEY_FILE);
        // An empty value usually comes from a template that left the variable unset, so it means "unset".
        boolean inVariable = value != null && !value.isBlank();
        boolean inNamedFile = namedFile != null && !namedFile.isBlank();
        if (inVariable && inNamedFile) {
            throw new SecretKeyException("both " + ENV_SECRET_KEY + " and " + ENV_SECRET_KEY_FILE
                    + " are set; set only one of them");
        }
        if (inNamedFile) {
            return Optional.of(fromNamedFile(Path.of(namedFile)));
        }
        if (!inVariable) {
            return Optional.empty();
        }
        try {
            return Optional.of(decode(value));
        } catch (IllegalArgumentException e) {
            throw new SecretKeyException(ENV_SECRET_KEY + " is not a valid key: " + e.getMessage()
                    + "; set it to the key the peers were created with, or " + GENERATE_HINT);
        }
    }

    /**
     * Reads the key from the file {@value #ENV_SECRET_KEY_FILE} names, e.g. a container secret. Unlike
     * the state directory's key file it is never created: a missing or empty one is an error.
     */
    private static SecretCipher fromNamedFile(Path file) {
        byte[] content;
        try (InputStream in = Files.newInputStream(file)) {
            content = in.readNBytes(MAX_FILE_BYTES);
        } catch (IOException e) {
            throw new SecretKeyException("cannot read the secret key file " + file + " named by " + ENV_SECRET_KEY_FILE
                    + " (" + e.getClass().getSimpleName() + "); fix the path or make the file readable by this user");
        }
        try {
            if (content.length >= MAX_FILE_BYTES) {
                throw new IllegalArgumentException("the file is 1 KiB or larger");
            }
            String text = new String(content, US_ASCII);
            if (text.isBlank()) {
                throw new SecretKeyException("the secret key file " + file + " named by " + ENV_SECRET_KEY_FILE
                        + " is empty; write the key the peers were created with into it, or " + GENERATE_HINT);
            }
            return decode(text);
        } catch (IllegalArgumentException e) {
            throw new SecretKeyException("the secret key file " + file + " named by " + ENV_SECRET_KEY_FILE
                    + " is not a valid key: " + e.getMessage() + "; write the key the peers were created with into"
                    + " it, or " + GENERATE_HINT);
        } finally {
            Arrays.fill(content, (byte) 0);
        }
    }

    private SecretCipher readKeyFileOrExplain() {
        try {
            return readKeyFile();
        } catch (IOException e) {
            throw new SecretKeyException("cannot read the secret key file " + file() + " (" + describe(e)
                    + "); make it readable by this user, or set " + ENV_SECRET_KEY);
        }
    }

    private SecretCipher readKeyFile() throws IOException {
        warnIfOthersMayRead();
        byte[] content = keyFile.read(MAX_FILE_BYTES);
        try {
            if (content.length >= MAX_FILE_BYTES) {
                throw new IllegalArgumentException("the file is 1 KiB or larger");
            }
            SecretCipher cipher = decode(new String(content, US_ASCII));
            log.debug("Secret key {} read from {}", cipher.keyId(), file());
            return cipher;
        } catch (IllegalArgumentException e) {
            throw new SecretKeyException("the secret key file " + file() + " is damaged (" + e.getMessage()
                    + "); restore it from a backup or another worker, or set " + ENV_SECRET_KEY
                    + " to the key the peers were created with");
        } finally {
            Arrays.fill(content, (byte) 0);
        }
    }

    /** Runs with the file lock held and no key file present. */
    private SecretCipher createKeyFile() throws IOException {
        byte[] key = SecretCipher.newKey();
        byte[] content = (Base64.getEncoder().encodeToString(key) + "\n").getBytes(US_ASCII);
        try {
            keyFile.replace(content, OWNER_ONLY);
            SecretCipher cipher = new SecretCipher(key);
            log.info("Created secret key {} in {}. Every worker and CLI that uses these peers needs this key:"
                    + " copy the file to their state directories or set {} to its content",
                    cipher.keyId(), file(), ENV_SECRET_KEY);
            return cipher;
        } finally {
            Arrays.fill(key, (byte) 0);
            Arrays.fill(content, (byte) 0);
        }
    }

    /** Decodes base64 text to a cipher; the exception's message says what is wrong, without the text. */
    static SecretCipher decode(String text) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("it is not base64");
        }
        try {
            if (key.length != SecretCipher.KEY_BYTES) {
                throw new IllegalArgumentException("it decodes to " + key.length + " bytes, not "
                        + SecretCipher.KEY_BYTES);
            }
            return new SecretCipher(key);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    private void warnIfOthersMayRead() {
        try {
            Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
            permissions.addAll(Files.getPosixFilePermissions(file()));
            permissions.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                    PosixFilePermission.OWNER_EXECUTE));
            if (!permissions.isEmpty()) {
                log.warn("The secret key file {} may be read by others ({}); run: chmod 600 {}", file(),
                        PosixFilePermissions.toString(Files.getPosixFilePermissions(file())), file());
            }
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("Cannot check the permissions of {}: {}", file(), e.toString());
        }
    }

    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
