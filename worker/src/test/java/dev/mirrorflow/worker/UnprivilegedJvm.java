package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a test's main class in a JVM of its own in which file permissions apply. Root ignores
 * file modes (its capabilities CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH override them), and CI
 * runs as root, so a test of what happens with an unreadable file or an unwritable directory
 * would observe nothing there. As root the JVM therefore starts through setpriv(1) with those
 * capabilities (and CAP_FOWNER) dropped from its bounding set: still uid 0, so it reaches the
 * test's root-owned temporary directory, but held to the owner's permission bits like any user.
 * Other users run it as they are.
 */
public final class UnprivilegedJvm {

    /** What the main class prints before its result, on a line of its own. */
    public static final String RESULT_PREFIX = ProcessRace.RESULT_PREFIX;

    private UnprivilegedJvm() {}

    /**
     * Runs {@code main} with {@code arguments}, waits for it to exit with status 0, and returns its
     * output (standard output and error together).
     */
    public static String run(Class<?> main, String... arguments) throws Exception {
        List<String> command = new ArrayList<>();
        if (isRoot()) {
            command.addAll(List.of(setpriv(), "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"));
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(arguments));
        Path output = Files.createTempFile("unprivileged-jvm", ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished within 60 s", main.getSimpleName())
                    .isTrue();
            String printed = Files.readString(output);
            assertThat(process.exitValue()).as("%s exit status; output:%n%s", main.getSimpleName(), printed).isZero();
            return printed;
        } finally {
            process.destroyForcibly();
            Files.deleteIfExists(output);
        }
    }

    /** The line the main class printed after {@link #RESULT_PREFIX}, without the prefix. */
    public static String result(String output) {
        return output.lines().filter(line -> line.startsWith(RESULT_PREFIX)).findFirst()
                .map(line -> line.substring(RESULT_PREFIX.length()))
                .orElseThrow(() -> new AssertionError("no result line in:\n" + output));
    }

    private static boolean isRoot() throws Exception {
        // /proc/self belongs to the user the process runs as.
        return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }

    private static String setpriv() {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            if (Files.isExecutable(Path.of(dir, "setpriv"))) {
                return Path.of(dir, "setpriv").toString();
            }
        }
        throw new AssertionError("running as root, this check needs setpriv (util-linux) to drop root's"
                + " permission override; install util-linux");
    }
}
