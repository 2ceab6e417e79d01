package dev.mirrorflow.connector.load;

/**
 * Told about progress after every partition and at least every progress interval while
 * partitions run; the snapshot activity heartbeats from it.
 *
 * <p>Always called on the thread that called the loader, never concurrently. An exception thrown
 * here ends the load: no new partition starts, those in flight finish (each is atomic anyway), and
 * the loader rethrows the exception unchanged, so a cancellation raised by a heartbeat reaches the
 * activity as itself.
 */
@FunctionalInterface
public interface SnapshotProgressListener {

    SnapshotProgressListener NONE = progress -> {};

    void onProgress(SnapshotProgress progress);
}
