package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state directory holds the secret key, so it is created for its owner only whatever the
 * umask. The modes themselves are checked: root, which CI runs as, bypasses them but still sees them.
 */
class StateFileTest {

    @TempDir Path temp;

    @Test
    void shouldCreateTheStateDirectoryAndItsMissingParentsForTheOwnerOnly() throws Exception {
        Path stateDir = temp.resolve("xdg").resolve("mirrorflow");

        new StateFile(stateDir, "instance-id").underLock(() -> null);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir.getParent())))
                .isEqualTo("rwx------");
    }

    @Test
    void shouldLeaveTheModeOfAnExistingStateDirectoryAlone() throws Exception {
        Path stateDir = Files.createDirectory(temp.resolve("state"));
        Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwxr-x---"));

        new StateFile(stateDir, "instance-id").underLock(() -> null);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir))).isEqualTo("rwxr-x---");
    }

    @Test
    void shouldKeepTheStateDirectoryAndTheKeyPrivateUnderUmask000() throws Exception {
        Path stateDir = temp.resolve("state");
        Path go = Files.createFile(temp.resolve("go"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // A real process, since the umask belongs to the process and a JVM cannot change its own.
        Process process = new ProcessBuilder("sh", "-c", "umask 000 && exec \"$0\" \"$@\"", java,
                "-cp", System.getProperty("java.class.path"), SecretKeyRacer.class.getName(),
                stateDir.toString(), temp.resolve("ready").toString(), go.toString())
                .redirectErrorStream(true)
                .redirectOutput(temp.resolve("output").toFile())
                .start();
        try {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            process.destroyForcibly();
        }
        assertThat(process.exitValue()).as(Files.readString(temp.resolve("output"))).isZero();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stateDir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
                stateDir.resolve(SecretKeySource.FILE_NAME)))).isEqualTo("rw-------");
    }
}
