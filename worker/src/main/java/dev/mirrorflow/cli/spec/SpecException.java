package dev.mirrorflow.cli.spec;

/**
 * A mirror spec that cannot be used. The message is the one line the CLI prints: which file,
 * which line and key, what is wrong and what to do about it.
 */
public final class SpecException extends RuntimeException {

    public SpecException(String message) {
        // A value quoted from the file could carry a line break; the CLI promises one line.
        super(message.replaceAll("\\R+", " ").strip());
    }

    public SpecException(String message, Throwable cause) {
        super(message.replaceAll("\\R+", " ").strip(), cause);
    }

    /** A problem at one key of a spec file. */
    static SpecException at(String file, int line, String key, String problem) {
        return new SpecException(file + " line " + line + ": " + key + ": " + problem);
    }
}
