package dev.mirrorflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.worker.UnprivilegedJvm;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The secrets a container gets as files ({@code MIRRORFLOW_SECRET_KEY_FILE}, {@code
 * MIRRORFLOW_CATALOG_PASSWORD_FILE}): a file that is missing, empty or unreadable stops the command
 * with one line naming the file and the variable, exit 1, before anything is reached, and no message
 * ever contains what the file holds.
 */
class SecretFilesTest {

    /** Nothing listens here, so a command that got past its secrets would fail differently. */
    private static final String NOWHERE = "127.0.0.1:1";
    private static final String SECRET = "hunter2-is-not-a-key";

    @TempDir Path temp;

    private final StringWriter err = new StringWriter();

    private int run(Map<String, String> env, String... args) {
        CommandLine cl = MirrorflowCommand.commandLine(env::get);
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private String lastLine() {
        String[] lines = err.toString().strip().split("\n");
        return lines[lines.length - 1];
    }

    private Path file(String name, String content) throws IOException {
        return Files.writeString(temp.resolve(name), content);
    }

    private String[] worker() {
        return new String[] {"worker", "--temporal-address", NOWHERE, "--catalog-url",
            "jdbc:postgresql://" + NOWHERE + "/none", "--state-dir", temp.resolve("state").toString()};
    }

    @Test
    void shouldRefuseAWorkerWhoseSecretKeyFileIsMissingOrEmptyInOneLineBeforeConnecting() throws IOException {
        Path missing = temp.resolve("no-such-key");
        assertThat(run(Map.of("MIRRORFLOW_SECRET_KEY_FILE", missing.toString()), worker())).isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("mirrorflow: cannot read the secret key file " + missing
                + " named by MIRRORFLOW_SECRET_KEY_FILE (NoSuchFileException); fix the path or make the file"
                + " readable by this user");

        Path empty = file("empty-key", "\n");
        assertThat(run(Map.of("MIRRORFLOW_SECRET_KEY_FILE", empty.toString()), worker())).isEqualTo(1);
        assertThat(lastLine()).isEqualTo("mirrorflow: the secret key file " + empty + " named by"
                + " MIRRORFLOW_SECRET_KEY_FILE is empty; write the key the peers were created with into it, or"
                + " generate one with: head -c 32 /dev/urandom | base64");
        assertThat(temp.resolve("state")).doesNotExist();
    }

    @Test
    void shouldRefuseASecretKeyFileThatHoldsNoKeyWithoutPrintingWhatItHolds() throws IOException {
        Path wrong = file("wrong-key", SECRET + "\n");

        assertThat(run(Map.of("MIRRORFLOW_SECRET_KEY_FILE", wrong.toString()), worker())).isEqualTo(1);

        assertThat(err.toString().strip()).isEqualTo("mirrorflow: the secret key file " + wrong + " named by"
                + " MIRRORFLOW_SECRET_KEY_FILE is not a valid key: it is not base64; write the key the peers were"
                + " created with into it, or generate one with: head -c 32 /dev/urandom | base64")
                .doesNotContain(SECRET);
    }

    @Test
    void shouldRefuseASecretKeyInBothTheVariableAndAFile() throws IOException {
        Path key = file("key", java.util.Base64.getEncoder().encodeToString(new byte[32]));

        assertThat(run(Map.of("MIRRORFLOW_SECRET_KEY_FILE", key.toString(), "MIRRORFLOW_SECRET_KEY",
                java.util.Base64.getEncoder().encodeToString(new byte[32])), worker())).isEqualTo(1);

        assertThat(err.toString().strip()).isEqualTo("mirrorflow: both MIRRORFLOW_SECRET_KEY and"
                + " MIRRORFLOW_SECRET_KEY_FILE are set; set only one of them");
    }

    @Test
    void shouldRefuseACatalogPasswordFileThatIsMissingOrEmptyInOneLine() throws IOException {
        Path missing = temp.resolve("no-such-password");
        assertThat(run(Map.of("MIRRORFLOW_CATALOG_PASSWORD_FILE", missing.toString()), "mirror", "list"))
                .isEqualTo(1);
        assertThat(err.toString().strip()).isEqualTo("mirrorflow: cannot read the catalog password file " + missing
                + " (NoSuchFileException); fix --catalog-password-file (MIRRORFLOW_CATALOG_PASSWORD_FILE) or make"
                + " the file readable by this user");

        Path empty = file("empty-password", " \n");
        assertThat(run(Map.of("MIRRORFLOW_CATALOG_PASSWORD_FILE", empty.toString()), worker())).isEqualTo(1);
        assertThat(lastLine()).isEqualTo("mirrorflow: the catalog password file " + empty + " is empty; write the"
                + " catalog user's password into it, or fix --catalog-password-file (MIRRORFLOW_CATALOG_PASSWORD_FILE)");
    }

    @Test
    void shouldRefuseSecretFilesThisUserMayNotReadInOneLineWithoutTheirContent() throws Exception {
        Path key = file("unreadable-key", java.util.Base64.getEncoder().encodeToString(new byte[32]));
        Path password = file("unreadable-password", SECRET);
        for (Path p : new Path[] {key, password}) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("---------"));
        }

        String keyResult = UnprivilegedJvm.result(UnprivilegedJvm.run(SecretFileRun.class,
                "MIRRORFLOW_SECRET_KEY_FILE=" + key, "--", "worker", "--temporal-address", NOWHERE,
                "--catalog-url", "jdbc:postgresql://" + NOWHERE + "/none", "--state-dir", temp.resolve("state").toString()));
        String passwordResult = UnprivilegedJvm.result(UnprivilegedJvm.run(SecretFileRun.class,
                "MIRRORFLOW_CATALOG_PASSWORD_FILE=" + password, "--", "mirror", "list"));

        assertThat(keyResult).isEqualTo("1|mirrorflow: cannot read the secret key file " + key + " named by"
                + " MIRRORFLOW_SECRET_KEY_FILE (AccessDeniedException); fix the path or make the file readable by"
                + " this user");
        assertThat(passwordResult).isEqualTo("1|mirrorflow: cannot read the catalog password file " + password
                + " (AccessDeniedException); fix --catalog-password-file (MIRRORFLOW_CATALOG_PASSWORD_FILE) or make"
                + " the file readable by this user").doesNotContain(SECRET);
    }
}
