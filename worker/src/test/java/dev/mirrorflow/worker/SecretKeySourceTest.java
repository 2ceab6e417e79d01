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
        int racers = 4;
        Path signals = Files.createDirectory(temp.resolve("signals"));
        Path go = signals.resolve("go");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();

        List<Process> processes = new ArrayList<>();
        List<Path> outputs = new ArrayList<>();
        try {
            for (int i = 0; i < racers; i++) {
                Path output = signals.resolve("output-" + i);
                outputs.add(output);
                processes.add(new ProcessBuilder(
                        java, "-cp", System.getProperty("java.class.path"), SecretKeyRacer.class.getName(),
                        stateDir().toString(), signals.resolve("ready-" + i).toString(), go.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .start());
            }
            awaitReady(signals, racers, processes);
            Files.createFile(go);

            List<String> keyIds = new ArrayList<>();
            for (int i = 0; i < racers; i++) {
                Process process = processes.get(i);
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("racer %d finished", i).isTrue();
                String output = Files.readString(outputs.get(i));
                assertThat(process.exitValue()).as("racer %d exit code; output:%n%s", i, output).isZero();
                keyIds.add(output.lines()
                        .filter(line -> line.startsWith(SecretKeyRacer.RESULT_PREFIX))
                        .findFirst()
                        .map(line -> line.substring(SecretKeyRacer.RESULT_PREFIX.length()))
                        .orElseThrow(() -> new AssertionError("racer printed no result:\n" + output)));
            }

            assertThat(keyIds).containsOnly(keyIds.get(0));
            Path file = stateDir().resolve("secret.key");
            assertThat(SecretCipher.keyIdOf(Base64.getDecoder().decode(Files.readString(file, US_ASCII).strip())))
                    .isEqualTo(keyIds.get(0));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(fileNames(stateDir())).containsExactlyInAnyOrder("secret.key", "secret.key.lock");
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
    }

    private static List<String> fileNames(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).toList();
        }
    }

    /** Waits until every racer has started its JVM, so that the start signal releases them together. */
    private static void awaitReady(Path signals, int racers, List<Process> processes) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; i < racers; i++) {
            while (!Files.exists(signals.resolve("ready-" + i))) {
                assertThat(processes.get(i).isAlive()).as("racer %d is still starting", i).isTrue();
                assertThat(System.nanoTime()).as("racers ready within 60 s").isLessThan(deadline);
                Thread.sleep(10);
            }
        }
    }
}
