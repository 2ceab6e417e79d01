package dev.mirrorflow.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code mirrorflow peer}: the named connections mirrors read from and write to. */
@Command(name = "peer", mixinStandardHelpOptions = true,
        description = {"Manages peers: named connections to source and destination databases, kept in the catalog "
                + "with their secrets encrypted (key: MIRRORFLOW_SECRET_KEY or <state dir>/secret.key)."})
// Its subcommands are in CommandTree.
final class PeerCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
