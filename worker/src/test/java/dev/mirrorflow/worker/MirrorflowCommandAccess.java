package dev.mirrorflow.worker;

import java.util.Map;
import picocli.CommandLine;

/** Reaches the CLI's package-private command line builder from this package's tests. */
final class MirrorflowCommandAccess {

    private MirrorflowCommandAccess() {}

    static CommandLine commandLine(Map<String, String> env) {
        return dev.mirrorflow.cli.MirrorflowCommand.commandLine(env::get);
    }
}
