package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * Looks for a peer's password where it must never be: in what the worker, its activities and the
 * CLI log, and in what Temporal keeps of a mirror, every run of its continue-as-new chain. Temporal
 * keeps payloads base64-encoded, so a search of the raw history would never find anything there;
 * this one decodes every payload first.
 */
final class SecretScan {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SecretScan() {}

    /**
     * The decoded text of every run of workflow {@code workflowId}, one entry per run, as the
     * Temporal dev server keeps them.
     */
    static List<String> histories(String workflowId) throws Exception {
        return historiesOf("WorkflowId = '" + workflowId + "'");
    }

    /** The decoded text of every run that the visibility query {@code query} lists. */
    private static List<String> historiesOf(String query) throws Exception {
        JsonNode runs = JSON.readTree(MirrorTestBed.temporal("workflow", "list", "--query", query, "--output", "json"));
        List<String> histories = new ArrayList<>();
        for (JsonNode run : runs) {
            String workflowId = run.path("execution").path("workflowId").asText();
            String runId = run.path("execution").path("runId").asText();
            String history;
            try {
                history = MirrorTestBed.temporal("workflow", "show", "--workflow-id", workflowId, "--run-id", runId,
                        "--output", "json");
            } catch (AssertionError e) {
                // A run deleted a moment ago (a test simulating Temporal's retention) is still listed
                // until visibility catches up; it has no history left to hold a secret.
                if (String.valueOf(e.getMessage()).contains("workflow execution not found")) {
                    continue;
                }
                throw e;
            }
            StringBuilder decoded = new StringBuilder(history);
            decodePayloads(JSON.readTree(history), decoded);
            histories.add(decoded.toString());
        }
        return histories;
    }

    /** Appends the decoded data and metadata of every payload under {@code node}. */
    private static void decodePayloads(JsonNode node, StringBuilder decoded) {
        if (node.isObject() && node.path("data").isTextual() && node.has("metadata")) {
            decoded.append('\n').append(base64(node.get("data").asText()));
            for (Iterator<Map.Entry<String, JsonNode>> m = node.get("metadata").fields(); m.hasNext(); ) {
                decoded.append('\n').append(base64(m.next().getValue().asText()));
            }
        }
        node.elements().forEachRemaining(child -> decodePayloads(child, decoded));
    }

    private static String base64(String text) {
        try {
            return new String(Base64.getDecoder().decode(text), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return text;
        }
    }

    /**
     * Asserts that no run of mirror {@code mirror}'s workflow holds {@code secret}, and that the
     * scan saw the runs' decoded inputs (so that it cannot pass by reading nothing).
     *
     * @return how many runs were scanned
     */
    static int assertNoSecretInHistories(String mirror, String secret) throws Exception {
        List<String> histories = histories("mirror/" + mirror);
        assertThat(histories).as("runs of mirror/%s", mirror).isNotEmpty();
        for (int i = 0; i < histories.size(); i++) {
            assertThat(histories.get(i)).as("decoded history of run %d of mirror/%s", i, mirror)
                    .contains("\"name\":\"" + mirror + "\"")
                    .doesNotContain(secret);
        }
        return histories.size();
    }

    /**
     * Asserts that no run of any workflow on task queue {@code queue} holds {@code secret}: every
     * mirror a test class made, whatever state its tests left it in.
     *
     * @return how many runs were scanned
     */
    static int assertNoSecretOnTaskQueue(String queue, String secret) throws Exception {
        List<String> histories = historiesOf("TaskQueue = '" + queue + "'");
        assertThat(histories).as("runs on task queue %s", queue).isNotEmpty();
        for (String history : histories) {
            assertThat(history).as("a decoded history on task queue %s", queue).contains("\"name\":\"")
                    .doesNotContain(secret);
        }
        return histories.size();
    }

    /**
     * Every event logged in this JVM while it is attached, checked for a secret as it happens:
     * the message, its arguments and the stack trace of its exception.
     */
    static final class LogWatch extends AppenderBase<ILoggingEvent> {
        private final String secret;
        private final AtomicLong events = new AtomicLong();
        private final List<String> leaks = new ArrayList<>();
        private final List<String> messages = new ArrayList<>();

        private LogWatch(String secret) {
            this.secret = secret;
        }

        /** Starts watching what every logger of this JVM logs. */
        static LogWatch attach(String secret) {
            LogWatch watch = new LogWatch(secret);
            watch.setContext((ch.qos.logback.classic.LoggerContext) LoggerFactory.getILoggerFactory());
            watch.start();
            root().addAppender(watch);
            return watch;
        }

        void detach() {
            root().detachAppender(this);
            stop();
        }

        private static Logger root() {
            return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        }

        @Override
        protected void append(ILoggingEvent event) {
            events.incrementAndGet();
            StringBuilder text = new StringBuilder(event.getFormattedMessage());
            if (event.getArgumentArray() != null) {
                for (Object argument : event.getArgumentArray()) {
                    text.append(' ').append(argument);
                }
            }
            if (event.getThrowableProxy() != null) {
                text.append('\n').append(ThrowableProxyUtil.asString(event.getThrowableProxy()));
            }
            synchronized (this) {
                if (messages.size() < 100_000) {
                    messages.add(event.getFormattedMessage());
                }
                if (text.indexOf(secret) >= 0) {
                    leaks.add(event.getLoggerName() + ": " + text);
                }
            }
        }

        /**
         * Asserts that nothing logged held the secret and, unless {@code expectedLine} is null,
         * that a message containing it was seen (so that the watch cannot pass by seeing nothing).
         */
        synchronized void assertNoSecretLogged(String expectedLine) {
            assertThat(leaks).as("log events holding the peer's password").isEmpty();
            if (expectedLine != null) {
                assertThat(events.get()).as("log events seen").isPositive();
                assertThat(messages).as("messages logged in this JVM")
                        .anySatisfy(m -> assertThat(m).contains(expectedLine));
            }
        }
    }
}
