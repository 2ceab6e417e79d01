package dev.mirrorflow.catalog;

import java.time.Instant;

/** One applied change-stream batch. Positions are the source's (an LSN, a resume token). */
public record CdcBatch(
        long mirrorId,
        long batchId,
        long rowsApplied,
        long bytesApplied,
        String firstPosition,
        String lastPosition,
        Instant startedAt,
        Instant endedAt) {

    /** Totals over all batches of a mirror. */
    public record Totals(long batches, long rowsApplied, long bytesApplied, String lastPosition, Instant lastEndedAt) {}
}
