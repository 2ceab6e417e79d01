package dev.mirrorflow.connector.postgres.slot;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts attempts to acquire replication slots and the failed ones, across all mirrors of this
 * worker. Safe to share between threads. Until OpenTelemetry metrics exist, status output reads
 * these.
 */
public final class SlotAcquisitionMetrics {

    private final LongAdder attempts = new LongAdder();
    private final LongAdder failures = new LongAdder();

    void recordAttempt() {
        attempts.increment();
    }

    void recordFailure() {
        failures.increment();
    }

    public long attempts() {
        return attempts.sum();
    }

    public long failures() {
        return failures.sum();
    }
}
