package dev.mirrorflow.worker;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The maintenance workflow's id is fixed, and the dev server is shared: a window an interrupted
 * test run left open (on a task queue nobody polls any more) would make the next test attach to
 * it. Tests terminate such a leftover before they start.
 */
final class MaintenanceWindows {

    private MaintenanceWindows() {}

    static void endLeftoverWindow() throws Exception {
        Path cli = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent().resolve(".dev/venv/bin/temporal");
        List<String> command = new ArrayList<>(List.of(Files.isExecutable(cli) ? cli.toString() : "temporal",
                "workflow", "terminate", "--workflow-id", "maintenance", "--reason", "left over by a test",
                "--address", MirrorTestBed.TEMPORAL, "--namespace", MirrorTestBed.NAMESPACE));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().keySet().removeIf(variable -> variable.startsWith("TEMPORAL_"));
        Process p = builder.start();
        // Exit 1 when no maintenance workflow runs, which is the usual case.
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }
}
