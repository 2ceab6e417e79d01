package dev.mirrorflow.cli;

import dev.mirrorflow.worker.EnvironmentVariables;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Gives every long option the precedence DESIGN.md section 6 asks for: a flag on the command
 * line wins (picocli never asks us then), else the environment variable {@code MIRRORFLOW_<NAME>}
 * ({@code --temporal-address} reads {@code MIRRORFLOW_TEMPORAL_ADDRESS}), else the same name in
 * the configuration file ({@code temporal-address=...} in {@code $MIRRORFLOW_CONFIG}), else the
 * option's built-in default.
 */
final class EnvironmentDefaults implements IDefaultValueProvider {

    static final String CONFIG_ENV = EnvironmentVariables.CONFIG;

    private final Function<String, String> environment;
    private Properties file;

    EnvironmentDefaults(Function<String, String> environment) {
        this.environment = environment;
    }

    static String environmentName(String longOption) {
        return "MIRRORFLOW_" + longOption.replaceFirst("^-+", "").toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /**
     * The variable of every long option of {@code command} and its subcommands, i.e. every {@code
     * MIRRORFLOW_*} variable this provider may read (the help and version flags left out).
     */
    static Set<String> optionVariables(CommandLine command) {
        Set<String> names = new TreeSet<>();
        for (OptionSpec option : command.getCommandSpec().options()) {
            if (option.longestName().startsWith("--") && !option.usageHelp() && !option.versionHelp()) {
                names.add(environmentName(option.longestName()));
            }
        }
        for (CommandLine subcommand : command.getSubcommands().values()) {
            names.addAll(optionVariables(subcommand));
        }
        return names;
    }

    @Override
    public String defaultValue(ArgSpec argSpec) throws IOException {
        if (!(argSpec instanceof OptionSpec option) || !option.longestName().startsWith("--")) {
            return null;
        }
        return value(option.longestName().substring(2));
    }

    /**
     * What the environment or the configuration file gives the long option {@code --<key>}, or
     * null when neither sets it (the option's own default applies then).
     *
     * @throws IOException when the configuration file named by {@value #CONFIG_ENV} cannot be read
     */
    String value(String key) throws IOException {
        String fromEnv = environment.apply(environmentName(key));
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        return fileProperties().getProperty(key);
    }

    /** The configuration file's settings, read once; a file that cannot be read fails every call. */
    private Properties fileProperties() throws IOException {
        if (file == null) {
            Properties read = new Properties();
            String path = environment.apply(CONFIG_ENV);
            if (path != null && !path.isBlank()) {
                Path p = Path.of(path);
                if (!Files.isReadable(p)) {
                    throw new IOException("the configuration file " + p + " named by " + CONFIG_ENV
                            + " cannot be read; fix the path or unset " + CONFIG_ENV);
                }
                try (Reader r = Files.newBufferedReader(p)) {
                    read.load(r);
                }
            }
            file = read;
        }
        return file;
    }
}
