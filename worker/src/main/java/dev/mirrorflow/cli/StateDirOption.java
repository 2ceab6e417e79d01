package dev.mirrorflow.cli;

import dev.mirrorflow.telemetry.InstanceIdStore;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the worker keeps its small local state (the instance id). */
public final class StateDirOption {

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Local state directory (env MIRRORFLOW_STATE_DIR). "
                    + "Default: $XDG_STATE_HOME/mirrorflow or ~/.local/state/mirrorflow")
    Path stateDir;

    public Path resolve() {
        return stateDir != null ? stateDir : InstanceIdStore.defaultStateDir(System::getenv);
    }
}
