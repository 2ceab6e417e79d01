package dev.mirrorflow.worker;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * How the program logs, set in code rather than in a logback.xml: parsing XML is a good part of a
 * CLI command's start. Logs go to stderr so that command output on stdout stays clean for scripts;
 * the root level is {@code MIRRORFLOW_LOG_LEVEL} (default INFO), the chatty libraries log warnings
 * only. A logback configuration file given by {@code -Dlogback.configurationFile} or a
 * {@code logback-test.xml} on the class path (the tests') is used instead.
 */
public final class LoggingSetup extends ContextAwareBase implements Configurator {

    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n";

    /** Libraries that log every connection, poll or statement at INFO. */
    static final List<String> QUIET = List.of("io.grpc", "io.netty", "io.temporal", "com.zaxxer.hikari",
            "org.flywaydb", "org.jooq", "org.mongodb.driver");

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || LoggingSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        configure(context, System::getenv);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    static void configure(LoggerContext context, Function<String, String> environment) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        for (String library : QUIET) {
            context.getLogger(library).setLevel(Level.WARN);
        }
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(environment.apply(EnvironmentVariables.LOG_LEVEL), Level.INFO));
        root.addAppender(stderr);
    }
}
