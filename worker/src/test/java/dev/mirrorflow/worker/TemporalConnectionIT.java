package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import java.util.List;

/**
 * A connection to the real Temporal dev server ends the network threads it used when it closes
 * (and when it fails to open): a JVM that exits while a thread sits in native code, as gRPC's shared
 * event loops do for a second after their last channel, waits 300 ms for it, which every CLI command
 * that talked to Temporal paid at its exit.
 */
class TemporalConnectionIT {

    private static final String TEMPORAL = System.getProperty("mirrorflow.it.temporal.address", "127.0.0.1:7233");

    @org.junit.jupiter.api.Test
    void shouldEndItsNetworkThreadsWhenClosed() {
        TemporalConnection temporal = TemporalConnection.open(new TemporalConnection.Settings(TEMPORAL, "default", "q"),
                identity);
        assertThat(temporal.stubs().blockingStub().getSystemInfo(GetSystemInfoRequest.getDefaultInstance())
                .hasCapabilities()).isTrue();
        assertThat(networkThreads()).as("threads of the open connection").isNotEmpty();

        temporal.close();

        assertThat(networkThreads()).as("threads left after close").isEmpty();
    }

    @org.junit.jupiter.api.Test
    void shouldEndItsNetworkThreadsWhenTheNamespaceIsMissing() {
        assertThatThrownBy(() -> TemporalConnection.open(new TemporalConnection.Settings(TEMPORAL, "no-such-namespace", "q"),
                identity)).isInstanceOf(TemporalUnavailableException.class).hasMessageContaining("no namespace 'no-such-namespace'");

        assertThat(networkThreads()).as("threads left after the failed open").isEmpty();
    }

    /** This test's own: the connection's threads are named after its identity. */
    private final String identity = "connection-it-" + java.util.UUID.randomUUID();

    private List<String> networkThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith("temporal-io-" + identity)).toList();
    }
}
