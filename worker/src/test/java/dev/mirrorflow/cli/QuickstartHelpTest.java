package dev.mirrorflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./mirrorflow quickstart --help} only prints help: the launcher and the quickstart script
 * run from a copy of the checkout in which every program the quickstart would start (the dev
 * environment, Maven, Java, psql) is a stub that records that it was started.
 */
class QuickstartHelpTest {

    /** Tests run in the worker module; the launcher is one level up. */
    private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();

    private static final List<String> STARTED_PROGRAMS = List.of("mvn", "java", "psql", "pg_isready", "nohup");

    @TempDir Path checkout;

    private Path started;

    private Process launch(String... args) throws Exception {
        Files.createDirectories(checkout.resolve("scripts"));
        Files.copy(REPOSITORY.resolve("mirrorflow"), checkout.resolve("mirrorflow"));
        Files.copy(REPOSITORY.resolve("scripts/quickstart.sh"), checkout.resolve("scripts/quickstart.sh"));
        started = checkout.resolve("started");
        Path bin = Files.createDirectories(checkout.resolve("bin"));
        stub(checkout.resolve("scripts/dev-env.sh"), "dev-env.sh");
        for (String program : STARTED_PROGRAMS) {
            stub(bin.resolve(program), program);
        }
        List<String> command = new java.util.ArrayList<>(List.of("bash", checkout.resolve("mirrorflow").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(checkout.toFile())
                .redirectErrorStream(true).redirectOutput(checkout.resolve("output").toFile());
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        builder.environment().put("MIRRORFLOW_DEV_DIR", checkout.resolve(".dev").toString());
        builder.environment().remove("MIRRORFLOW_STATE_DIR");
        return builder.start();
    }

    private void stub(Path path, String name) throws Exception {
        Files.writeString(path, "#!/bin/sh\necho " + name + " >> '" + started + "'\nexit 1\n");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
    }

    private String finish(Process process, int expectedExit) throws Exception {
        try {
            assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("finished within 10 s").isTrue();
        } finally {
            process.destroyForcibly();
        }
        String output = Files.readString(checkout.resolve("output"));
        assertThat(process.exitValue()).as(output).isEqualTo(expectedExit);
        assertThat(started).as("programs started").doesNotExist();
        assertThat(checkout.resolve(".dev")).doesNotExist();
        return output;
    }

    @Test
    void shouldOnlyPrintHelpForQuickstartHelp() throws Exception {
        String output = finish(launch("quickstart", "--help"), 0);

        assertThat(output).startsWith("Usage: ./mirrorflow quickstart [stop]").contains("stop", "--help");
    }

    @Test
    void shouldNotStopAProcessThatOnlyReusedThePidOfTheDemoWritesOrTheWorker() throws Exception {
        // Pid files left from before (a reboot, a crash) naming a process that is not the demo's:
        // here a sleep, in real life e.g. the Temporal server that got the number.
        Process stranger = new ProcessBuilder("sleep", "120").start();
        try {
            Path dev = Files.createDirectories(checkout.resolve(".dev"));
            Files.writeString(dev.resolve("trickle.pid"), stranger.pid() + "\n");
            Files.writeString(dev.resolve("worker.pid"), stranger.pid() + "\n");
            Process stop = launch("quickstart", "stop");
            assertThat(stop.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String output = Files.readString(checkout.resolve("output"));

            assertThat(stranger.isAlive()).as("the unrelated process lives; output:%n%s", output).isTrue();
            assertThat(output).doesNotContain("stopping");
            assertThat(dev.resolve("trickle.pid")).doesNotExist();
            assertThat(dev.resolve("worker.pid")).doesNotExist();
        } finally {
            stranger.destroyForcibly();
        }
    }

    @Test
    void shouldRefuseAnUnknownQuickstartArgumentInOneLineBeforeStartingAnything() throws Exception {
        String output = finish(launch("quickstart", "--nosuch"), 2);

        assertThat(output.strip()).isEqualTo(
                "mirrorflow quickstart: unknown argument '--nosuch'; see ./mirrorflow quickstart --help");
    }
}
