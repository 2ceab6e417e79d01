package dev.mirrorflow.connector.postgres.stream;

import dev.mirrorflow.connector.ChangeBatch;
import dev.mirrorflow.connector.Destination;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The pull, apply, acknowledge loop of the activities' ChangeStreamRunner, for tests that drive a
 * {@link PostgresChangeStream} straight into a destination without a worker.
 */
public final class StreamLoop {

    /** Told about every applied batch, after the acknowledgement. */
    public interface BatchListener {
        void onBatch(ChangeBatch batch, Destination.ApplyResult result, Instant started, Instant ended);
    }

    private final String mirror;

    public StreamLoop(String mirror) {
        this.mirror = mirror;
    }

    /** @return how many batches it applied */
    public long run(PostgresChangeStream stream, Destination destination, BooleanSupplier stop, Runnable tick,
            BatchListener listener) throws SQLException, InterruptedException {
        long batches = 0;
        while (!stop.getAsBoolean()) {
            Optional<ChangeBatch> next = stream.nextBatch(stop, tick);
            if (next.isEmpty()) {
                break;
            }
            Instant started = Instant.now();
            Destination.ApplyResult result = destination.apply(mirror, next.get());
            stream.acknowledge(next.get());
            listener.onBatch(next.get(), result, started, Instant.now());
            batches++;
        }
        return batches;
    }
}
