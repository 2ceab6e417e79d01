package dev.mirrorflow.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswordFileTest {

    @TempDir Path temp;

    @Test
    void shouldDropOneTrailingLineBreakAndKeepEverythingElse() throws Exception {
        assertThat(PasswordFile.read(Files.writeString(temp.resolve("a"), "s3cret\n"))).isEqualTo("s3cret");
        assertThat(PasswordFile.read(Files.writeString(temp.resolve("b"), "s3cret\r\n"))).isEqualTo("s3cret");
        assertThat(PasswordFile.read(Files.writeString(temp.resolve("c"), " s3cret "))).isEqualTo(" s3cret ");
    }

    @Test
    void shouldRefuseAnEmptyFileAMultiLineFileAndAMissingFileWithoutShowingContent() throws Exception {
        assertThatThrownBy(() -> PasswordFile.read(Files.writeString(temp.resolve("empty"), "\n")))
                .isInstanceOf(UserError.class).hasMessageContaining("is empty");
        assertThatThrownBy(() -> PasswordFile.read(Files.writeString(temp.resolve("two"), "s3cret\nmore\n")))
                .isInstanceOf(UserError.class).hasMessageContaining("more than one line")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> PasswordFile.read(temp.resolve("missing")))
                .isInstanceOf(UserError.class)
                .hasMessage("cannot read the password file " + temp.resolve("missing") + " (NoSuchFileException);"
                        + " check the path given to --password-file and that this user may read it");
    }

    @Test
    void shouldRefuseAFileTooLargeToBeAPassword() throws Exception {
        Path big = Files.writeString(temp.resolve("big"), "x".repeat(5000));

        assertThatThrownBy(() -> PasswordFile.read(big)).isInstanceOf(UserError.class).hasMessageContaining("4 KiB");
    }
}
