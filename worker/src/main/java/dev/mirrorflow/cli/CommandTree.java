package dev.mirrorflow.cli;

import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Which command has which subcommands, and the tree built from it for one command line.
 *
 * <p>Picocli reads every command's annotations into a model before it parses anything, which is
 * most of a short command's CPU time when the model holds every command (a third of a
 * {@code mirror list}). A command line that names its branch exactly ({@code mirror list ...}) gets
 * only that branch: each level holds only the subcommand the next argument names. Anything else
 * gets the whole level from there down, so help, suggestions for a misspelt command and the
 * messages for unknown ones read as they do with the whole tree: an option where a subcommand
 * could be ({@code mirror --help}), a word that names no subcommand, no word at all, and
 * {@code help}, which describes other commands.
 */
final class CommandTree {

    private static final Map<Class<?>, List<Class<?>>> SUBCOMMANDS = Map.of(
            MirrorflowCommand.class, List.of(WorkerCommand.class, PeerCommand.class, MirrorCommand.class,
                    MaintenanceCommand.class, PingCommand.class, CommandLine.HelpCommand.class),
            PeerCommand.class, List.of(PeerCreateCommand.class, PeerListCommand.class, PeerCheckCommand.class,
                    PeerDropCommand.class),
            MirrorCommand.class, List.of(MirrorCreateCommand.class, MirrorEditCommand.class,
                    MirrorCommand.List.class, MirrorCommand.Status.class, MirrorCommand.History.class,
                    MirrorCommand.Pause.class, MirrorCommand.Resume.class, MirrorCommand.Resync.class,
                    MirrorCommand.Drop.class, MirrorWaitCommand.class),
            MaintenanceCommand.class, List.of(MaintenanceCommand.Start.class, MaintenanceCommand.End.class,
                    MaintenanceCommand.Status.class));

    private CommandTree() {}

    /** Adds to the root the subcommands these arguments need; all of them when {@code args} is null. */
    static void addSubcommands(CommandLine root, String[] args) {
        add(root, args, 0);
    }

    private static void add(CommandLine parent, String[] args, int position) {
        List<Class<?>> children = SUBCOMMANDS.get(parent.getCommandSpec().userObject().getClass());
        if (children == null) {
            return;
        }
        String word = args != null && position < args.length ? args[position] : null;
        Class<?> named = word == null || word.equals("help") ? null : named(children, word);
        for (Class<?> child : children) {
            if (named == null || child == named) {
                CommandLine sub = new CommandLine(child);
                parent.addSubcommand(sub);
                add(sub, named == null ? null : args, position + 1);
            }
        }
    }

    /** The subcommand this word names, by name or alias; null when it names none. */
    private static Class<?> named(List<Class<?>> children, String word) {
        for (Class<?> child : children) {
            Command command = child.getAnnotation(Command.class);
            if (command.name().equals(word) || List.of(command.aliases()).contains(word)) {
                return child;
            }
        }
        return null;
    }
}
