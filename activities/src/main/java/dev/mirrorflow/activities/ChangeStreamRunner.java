package dev.mirrorflow.activities;

import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.ChangeStream;
import dev.mirrorflow.connector.Destination;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The change-stream loop of every mirror, whatever its source and destination: pull a batch, apply it to the destination in one
 * transaction with its position, then acknowledge it to the source; repeat until asked to stop,
 * which it honours between batches. (A column added at the source reaches the destination
 * because the destination evolves its tables for every new source shape a batch brings.)
 */
public final class ChangeStreamRunner {

    /** Told about every applied batch, after the acknowledgement. */
    public interface BatchListener {
        void onBatch(ChangeBatch batch, Destination.ApplyResult result, Instant started, Instant ended);
    }

    /** What a run did before it stopped. */
    public record Result(long batches, long rows, String lastPosition) {}

    private final String mirror;

    /** For a mirror whose destination has been prepared. */
    public ChangeStreamRunner(String mirror) {
        this.mirror = mirror;
    }

    public Result run(ChangeStream stream, Destination destination, BooleanSupplier stop, Runnable tick,
            BatchListener listener) throws InterruptedException {
        long batches = 0;
        long rows = 0;
        String lastPosition = stream.confirmedPosition();
        while (!stop.getAsBoolean()) {
            Optional<ChangeBatch> next = stream.nextBatch(stop, tick);
            if (next.isEmpty()) {
                break;
            }
            ChangeBatch batch = next.get();
            Instant started = Instant.now();
            Destination.ApplyResult result = destination.apply(mirror, batch);
            // Only now, with the batch and its position committed at the destination, may the
            // source forget it.
            stream.acknowledge(batch);
            listener.onBatch(batch, result, started, Instant.now());
            batches++;
            rows += result.rowsApplied();
            lastPosition = batch.position();
        }
        return new Result(batches, rows, lastPosition);
    }
}
