package dev.mirrorflow.worker;

import dev.mirrorflow.cli.MirrorflowCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The `mirrorflow` program in a JVM of its own, as a user starts it, with an environment the test
 * decides rather than the developer's shell: the README tells users to export a secret key, an
 * instance id and OpenTelemetry settings, and a worker that inherited them would use another key
 * than the test's CLI, another instance id than its state directory holds, or try to export to a
 * collector that is not there.
 */
final class MirrorflowProcess {

    private MirrorflowProcess() {}

    /** A process builder for {@code mirrorflow <arguments>} whose state lives in {@code stateDir}. */
    static ProcessBuilder builder(Path stateDir, String... arguments) {
        return builder(List.of(), stateDir, arguments);
    }

    /** As {@link #builder(Path, String...)}, the JVM started with {@code jvmOptions} (e.g. {@code -Xmx256m}). */
    static ProcessBuilder builder(List<String> jvmOptions, Path stateDir, String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MirrorflowCommand.class.getName()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command);
        isolate(builder.environment(), stateDir);
        return builder;
    }

    /**
     * Removes every variable that configures mirrorflow, OpenTelemetry or the Temporal CLI, and
     * points mirrorflow at the test's state directory and Temporal namespace.
     */
    static void isolate(Map<String, String> environment, Path stateDir) {
        environment.keySet().removeIf(name -> name.startsWith("MIRRORFLOW_") || name.startsWith("OTEL_")
                || name.startsWith("TEMPORAL_"));
        environment.put("MIRRORFLOW_STATE_DIR", stateDir.toString());
        environment.put("MIRRORFLOW_TEMPORAL_NAMESPACE", MirrorTestBed.NAMESPACE);
    }
}
