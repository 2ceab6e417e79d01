package dev.mirrorflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * deploy/Dockerfile as the tests read it: its instructions (continuation lines joined, comments
 * left out), its ENV variables and its exec-form arrays. No container engine runs here, so this is
 * how the tests learn what the image would run.
 */
public final class DeployDockerfile {

    /** The tests run in the worker module; the Dockerfile is under the repository root. */
    public static final Path PATH = Path.of("..", "deploy", "Dockerfile").toAbsolutePath().normalize();

    private final List<String> instructions;

    private DeployDockerfile(List<String> instructions) {
        this.instructions = instructions;
    }

    public static DeployDockerfile read() throws IOException {
        List<String> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(PATH)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.length() == 0)) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            instructions.add(current.toString().replaceAll("\\s+", " ").strip());
            current.setLength(0);
        }
        return new DeployDockerfile(List.copyOf(instructions));
    }

    public List<String> instructions() {
        return instructions;
    }

    /** The arguments of the one instruction of that name (the tests expect each once). */
    public String instruction(String name) {
        List<String> found = instructions.stream().filter(i -> i.startsWith(name + " ")).toList();
        assertThat(found).as("%s instructions in deploy/Dockerfile", name).hasSize(1);
        return found.get(0).substring(name.length() + 1);
    }

    /** The variables of every ENV instruction ({@code ENV A=1 B=2}, values possibly quoted). */
    public Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        Pattern assignment = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S*)");
        for (String instruction : instructions) {
            if (instruction.startsWith("ENV ")) {
                String rest = instruction.substring(4);
                assertThat(rest).as("ENV in the KEY=VALUE form").contains("=");
                Matcher m = assignment.matcher(rest);
                while (m.find()) {
                    env.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
                }
            }
        }
        return env;
    }

    /** An exec-form instruction's elements ({@code ["java", "-jar", "x.jar"]}). */
    public List<String> execForm(String name) {
        String arguments = instruction(name);
        assertThat(arguments).as("%s in exec form", name).startsWith("[").endsWith("]");
        List<String> elements = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"").matcher(arguments);
        while (m.find()) {
            elements.add(m.group(1));
        }
        return elements;
    }

    /** The command of the HEALTHCHECK, in exec form ({@code CMD ["/bin/sh", "-c", "..."]}). */
    public List<String> healthCheckCommand() {
        String healthcheck = instruction("HEALTHCHECK");
        Matcher command = Pattern.compile("(?:--\\S+\\s+)*CMD (\\[.+\\])").matcher(healthcheck);
        assertThat(command.matches()).as("HEALTHCHECK [options] CMD [...]: %s", healthcheck).isTrue();
        List<String> elements = new ArrayList<>();
        Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(command.group(1));
        while (m.find()) {
            elements.add(m.group(1).replace("\\\"", "\""));
        }
        return elements;
    }

    /**
     * Runs the HEALTHCHECK's command as Docker does, with {@code MIRRORFLOW_HTTP_PORT} set to {@code
     * port}, and returns its exit status.
     */
    public static int runHealthCheck(List<String> command, int port) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("MIRRORFLOW_HTTP_PORT", String.valueOf(port));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("the health check ended within 20 s").isTrue();
        // The image has curl (the base tag's build history); a machine running this test needs it too.
        assertThat(output).as("output of the health check").doesNotContain("not found");
        return process.exitValue();
    }
}
