package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Races several JVMs on one state directory: each runs {@code racer}'s main with the arguments
 * (state directory, ready file, start file), announces that it is ready, waits for the common
 * start file, does its work and prints one line starting with {@link #RESULT_PREFIX}. Real
 * processes, because file locks that guard against other processes do nothing within one.
 */
public final class ProcessRace {

    public static final String RESULT_PREFIX = "RESULT ";

    private ProcessRace() {}

    /** Runs the race and returns each racer's result line without the prefix. */
    public static List<String> run(Class<?> racer, int racers, Path stateDir, Path signals) throws Exception {
        Files.createDirectories(signals);
        Path go = signals.resolve("go");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> processes = new ArrayList<>();
        List<Path> outputs = new ArrayList<>();
        try {
            for (int i = 0; i < racers; i++) {
                Path output = signals.resolve("output-" + i);
                outputs.add(output);
                processes.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), racer.getName(),
                        stateDir.toString(), signals.resolve("ready-" + i).toString(), go.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .start());
            }
            awaitReady(signals, processes);
            Files.createFile(go);

            List<String> results = new ArrayList<>();
            for (int i = 0; i < racers; i++) {
                Process process = processes.get(i);
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("racer %d finished", i).isTrue();
                String output = Files.readString(outputs.get(i));
                assertThat(process.exitValue()).as("racer %d exit code; output:%n%s", i, output).isZero();
                results.add(output.lines()
                        .filter(line -> line.startsWith(RESULT_PREFIX))
                        .findFirst()
                        .map(line -> line.substring(RESULT_PREFIX.length()))
                        .orElseThrow(() -> new AssertionError("racer printed no result:\n" + output)));
            }
            return results;
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
    }

    /** Waits until every racer has started its JVM, so that the start signal releases them together. */
    private static void awaitReady(Path signals, List<Process> processes) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; i < processes.size(); i++) {
            while (!Files.exists(signals.resolve("ready-" + i))) {
                assertThat(processes.get(i).isAlive()).as("racer %d is still starting", i).isTrue();
                assertThat(System.nanoTime()).as("racers ready within 60 s").isLessThan(deadline);
                Thread.sleep(10);
            }
        }
    }
}
