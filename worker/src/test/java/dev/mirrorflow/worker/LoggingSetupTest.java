package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class LoggingSetupTest {

    @Test
    void shouldLogToStderrAtTheLevelTheUserSetWithQuietLibraries() {
        LoggerContext context = new LoggerContext();
        LoggingSetup.configure(context, Map.of("MIRRORFLOW_LOG_LEVEL", "debug")::get);

        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.DEBUG);
        assertThat(root.getAppender("STDERR")).isInstanceOfSatisfying(ConsoleAppender.class,
                a -> assertThat(a.getTarget()).isEqualTo("System.err"));
        assertThat(context.getLogger("io.temporal.internal.worker").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("com.zaxxer.hikari.pool").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("dev.mirrorflow.worker").getEffectiveLevel()).isEqualTo(Level.DEBUG);
    }

    @Test
    void shouldLogAtInfoWhenTheLevelIsUnsetOrNotALevel() {
        for (Map<String, String> environment : java.util.List.of(Map.<String, String>of(),
                Map.of("MIRRORFLOW_LOG_LEVEL", "loud"))) {
            LoggerContext context = new LoggerContext();
            LoggingSetup.configure(context, environment::get);
            assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel()).as("%s", environment).isEqualTo(Level.INFO);
        }
    }

    @Test
    void shouldBeTheConfiguratorLogbackFinds() {
        assertThat(ServiceLoader.load(Configurator.class).stream().map(ServiceLoader.Provider::type))
                .contains(LoggingSetup.class);
    }
}
