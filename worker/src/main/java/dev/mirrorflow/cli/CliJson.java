package dev.mirrorflow.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The JSON writer of the commands' {@code --json} output. A class of its own so that it is built
 * when a command first prints JSON: picocli makes every command object at start, and a mapper in
 * a command class's static field cost every command, JSON or not, a tenth of a second or more.
 */
final class CliJson {

    static final ObjectMapper INDENTED = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CliJson() {}
}
