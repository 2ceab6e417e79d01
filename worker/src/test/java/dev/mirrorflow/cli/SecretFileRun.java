package dev.mirrorflow.cli;

import dev.mirrorflow.worker.UnprivilegedJvm;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine;

/**
 * Runs one CLI command in a JVM of its own ({@link UnprivilegedJvm}, where file modes apply even to
 * root) and prints its exit code and standard error on the result line, as {@code <code>|<stderr>}.
 *
 * <p>Arguments: {@code NAME=VALUE} environment entries, then {@code --}, then the command.
 */
final class SecretFileRun {

    public static void main(String[] args) {
        Map<String, String> env = new HashMap<>();
        int i = 0;
        for (; !args[i].equals("--"); i++) {
            String[] entry = args[i].split("=", 2);
            env.put(entry[0], entry[1]);
        }
        String[] command = java.util.Arrays.copyOfRange(args, i + 1, args.length);
        StringWriter err = new StringWriter();
        CommandLine cl = MirrorflowCommand.commandLine(env::get);
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(command);
        System.out.println(UnprivilegedJvm.RESULT_PREFIX + code + "|" + err.toString().strip().replace("\n", "\\n"));
    }
}
