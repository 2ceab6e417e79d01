package dev.mirrorflow.cli.spec;

import dev.mirrorflow.worker.UnprivilegedJvm;
import java.nio.file.Path;

/**
 * Parses the mirror spec file given as the only argument and prints, after the result prefix,
 * the message it was refused with or {@code parsed <name>}; for {@link MirrorSpecParserTest}'s
 * checks that need file permissions to apply (see {@link UnprivilegedJvm}).
 */
final class MirrorSpecReader {

    public static void main(String[] args) {
        String result;
        try {
            result = "parsed " + MirrorSpecParser.parse(Path.of(args[0])).name();
        } catch (SpecException e) {
            result = e.getMessage();
        }
        System.out.println(UnprivilegedJvm.RESULT_PREFIX + result);
    }
}
