package dev.mirrorflow.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a password from a file named on the command line. A password is never taken as a flag's
 * value, because flags end up in shell history and process lists.
 *
 * <p>The file holds the password on one line; one trailing line break (as editors and {@code echo}
 * add) is dropped, any other character is kept, leading or trailing spaces included, since they may
 * be part of the password. No message here contains the file's content.
 */
final class PasswordFile {

    /** Larger than any password; a file this size is something else, e.g. a key or a pgpass file. */
    static final int MAX_BYTES = 4096;

    private PasswordFile() {}

    static String read(Path file) {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            throw new UserError("cannot read the password file " + file + " (" + e.getClass().getSimpleName()
                    + "); check the path given to --password-file and that this user may read it");
        }
        if (bytes.length > MAX_BYTES) {
            throw new UserError("the password file " + file + " is larger than 4 KiB; it must hold only the password");
        }
        String text = new String(bytes, UTF_8);
        if (text.endsWith("\r\n")) {
            text = text.substring(0, text.length() - 2);
        } else if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.isEmpty()) {
            throw new UserError("the password file " + file + " is empty; write the password into it, or leave out"
                    + " --password-file for a peer that logs in without one");
        }
        if (text.contains("\n") || text.contains("\r")) {
            throw new UserError("the password file " + file + " has more than one line; it must hold only the"
                    + " password");
        }
        return text;
    }
}
