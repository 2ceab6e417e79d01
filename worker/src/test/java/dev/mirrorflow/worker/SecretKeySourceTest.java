package dev.mirrorflow.worker;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.catalog.SecretCipher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretKeySourceTest {

    private static final Map<String, String> NO_ENVIRONMENT = Map.of();

    @TempDir Path temp;

    private Path stateDir() {
        return temp.resolve("state");
    }

    private SecretKeySource source(Map<String, String> environment) {
        return new SecretKeySource(stateDir(), environment::get);
    }

    @Test
    void shouldTakeAValidKeyFromTheEnvironmentAndLeaveTheStateDirectoryAlone() {
        byte[] key = SecretCipher.newKey();
        String encoded = Base64.getEncoder().encodeToString(key);

        SecretKeySource source = source(Map.of("MIRRORFLOW_SECRET_KEY", encoded));

        assertThat(source.obtain().keyId()).isEqualTo(SecretCipher.keyIdOf(key));
        assertThat(source.existing()).get().extracting(SecretCipher::keyId).isEqualTo(SecretCipher.keyIdOf(key));
        assertThat(stateDir()).doesNotExist();
    }

    @Test
    void shouldTakeTheKeyFromTheFileTheEnvironmentNamesAndLeaveTheStateDirectoryAlone() throws IOException {
        byte[] key = SecretCipher.newKey();
        // As a container secret holds it: the key file's text, line break included.
        Path file = Files.writeString(temp.resolve("secret_key"), Base64.getEncoder().encodeToString(key) + "\n");

        SecretKeySource source = source(Map.of("MIRRORFLOW_SECRET_KEY_FILE", file.toString()));

        assertThat(source.obtain().keyId()).isEqualTo(SecretCipher.keyIdOf(key));
        assertThat(source.existing()).get().extracting(SecretCipher::keyId).isEqualTo(SecretCipher.keyIdOf(key));
        assertThat(stateDir()).doesNotExist();
    }

    @Test
    void shouldRefuseAnEnvironmentKeyThatIsNotBase64WithoutEchoingIt() {
        SecretKeySource source = source(Map.of("MIRRORFLOW_SECRET_KEY", "not base64 at all!"));

        assertThatThrownBy(source::obtain)
                .isInstanceOf(SecretKeyException.class)
                .hasMessage("MIRRORFLOW_SECRET_KEY is not a valid key: it is not base64; set it to the key the peers"
                        + " were created with, or generate one with: head -c 32 /dev/urandom | base64")
                .hasNoCause();
        assertThat(stateDir()).doesNotExist();
    }

    @Test
    void shouldRefuseAnEnvironmentKeyOfTheWrongLength() {
        String sixteenBytes = Base64.getEncoder().encodeToString(new byte[16]);

        assertThatThrownBy(source(Map.of("MIRRORFLOW_SECRET_KEY", sixteenBytes))::existing)
                .isInstanceOf(SecretKeyException.class)
                .hasMessageContaining("it decodes to 16 bytes, not 32")
                .hasMessageNotContaining(sixteenBytes);
    }

    @Test
    void shouldCreateTheKeyFileOwnerOnlyOnFirstUseAndReuseIt() throws IOException {
        SecretCipher first = source(NO_ENVIRONMENT).obtain();

        Path file = stateDir().resolve("secret.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        String content = Files.readString(file, US_ASCII);
        assertThat(content).endsWith("\n");
        byte[] key = Base64.getDecoder().decode(content.strip());
        assertThat(key).hasSize(32);
        assertThat(SecretCipher.keyIdOf(key)).isEqualTo(first.keyId());
        assertThat(fileNames(stateDir())).containsExactlyInAnyOrder("secret.key", "secret.key.lock");

        assertThat(source(NO_ENVIRONMENT).obtain().keyId()).isEqualTo(first.keyId());
        assertThat(source(NO_ENVIRONMENT).existing()).get().extracting(SecretCipher::keyId).isEqualTo(first.keyId());
        // The key file's content works as the environment variable's value.
        assertThat(source(Map.of("MIRRORFLOW_SECRET_KEY", content)).obtain().keyId()).isEqualTo(first.keyId());
    }

    @Test
    void shouldPreferTheEnvironmentOverAnExistingKeyFile() {
        String fileKeyId = source(NO_ENVIRONMENT).obtain().keyId();
        byte[] key = SecretCipher.newKey();

        SecretCipher cipher = source(Map.of("MIRRORFLOW_SECRET_KEY", Base64.getEncoder().encodeToString(key))).obtain();

        assertThat(cipher.keyId()).isEqualTo(SecretCipher.keyIdOf(key)).isNotEqualTo(fileKeyId);
    }

    @Test
    void shouldNotCreateAKeyWhenOnlyAnExistingOneIsWanted() {
        SecretKeySource source = source(NO_ENVIRONMENT);

        assertThat(source.existing()).isEmpty();
        assertThat(stateDir()).doesNotExist();
        assertThat(source.describeSources())
                .isEqualTo("MIRRORFLOW_SECRET_KEY is unset and " + stateDir().resolve("secret.key") + " does not exist");
    }

    @Test
    void shouldRefuseADamagedKeyFileInsteadOfReplacingIt() throws IOException {
        Files.createDirectories(stateDir());
        Path file = stateDir().resolve("secret.key");
        Files.writeString(file, "c2hvcnQ=\n", US_ASCII);

        assertThatThrownBy(source(NO_ENVIRONMENT)::obtain)
                .isInstanceOf(SecretKeyException.class)
                .hasMessage("the secret key file " + file + " is damaged (it decodes to 5 bytes, not 32); restore it"
                        + " from a backup or another worker, or set MIRRORFLOW_SECRET_KEY to the key the peers were"
                        + " created with");
        assertThat(Files.readString(file, US_ASCII)).isEqualTo("c2hvcnQ=\n");
    }

    @Test
    void shouldSayInOneLineWhenTheKeyFileCannotBeCreated() throws IOException {
        Path regularFile = Files.writeString(temp.resolve("regular-file"), "not a directory");
        SecretKeySource source = new SecretKeySource(regularFile.resolve("state"), NO_ENVIRONMENT::get);

        assertThatThrownBy(source::obtain)
                .isInstanceOf(SecretKeyException.class)
                .hasMessageStartingWith("cannot create the secret key file " + regularFile.resolve("state/secret.key"))
                .hasMessageContaining("set MIRRORFLOW_SECRET_KEY")
                .hasMessageNotContaining("\n");
    }

    @Test
    void shouldReadAGoodKeyWithoutTheLockWhenTheLockCannotBeTaken() throws IOException {
        String keyId = source(NO_ENVIRONMENT).obtain().keyId();
        // A directory where the lock file belongs cannot be opened for writing, not even by root.
        Files.delete(stateDir().resolve("secret.key.lock"));
        Files.createDirectory(stateDir().resolve("secret.key.lock"));

        assertThat(source(NO_ENVIRONMENT).obtain().keyId()).isEqualTo(keyId);
    }

    @Test
    void shouldAgreeOnOneKeyWhenProcessesCreateItTogether() throws Exception {
        List<String> keyIds = ProcessRace.run(SecretKeyRacer.class, 4, stateDir(), temp.resolve("signals"));

        assertThat(keyIds).containsOnly(keyIds.get(0));
        Path file = stateDir().resolve("secret.key");
        assertThat(SecretCipher.keyIdOf(Base64.getDecoder().decode(Files.readString(file, US_ASCII).strip())))
                .isEqualTo(keyIds.get(0));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(fileNames(stateDir())).containsExactlyInAnyOrder("secret.key", "secret.key.lock");
    }

    private static List<String> fileNames(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).toList();
        }
    }
}
