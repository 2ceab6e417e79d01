package dev.mirrorflow.connector.load;

import java.util.List;

/**
 * What one run of the loader did.
 *
 * @param partitionsDone partitions this run finished (copied, or found already in the destination)
 * @param partitionsRemaining partitions of the load still not done when the run ended
 * @param rowsCopied rows this run moved; partitions found already in the destination add none
 * @param bytesCopied bytes of binary COPY data this run moved
 * @param stoppedEarly the run stopped at a partition boundary because a stop was requested
 * @param exportedSnapshotLost the exported snapshot disappeared during the run and later partitions
 *     read fresh snapshots; the destination is consistent only once the change stream has replayed
 *     from the slot's consistent point
 * @param partitions each partition this run finished, in completion order
 */
public record SnapshotLoadResult(int partitionsDone, int partitionsRemaining, long rowsCopied, long bytesCopied,
        boolean stoppedEarly, boolean exportedSnapshotLost, List<PartitionCopy> partitions) {

    public SnapshotLoadResult {
        partitions = List.copyOf(partitions);
    }

    public boolean isComplete() {
        return partitionsRemaining == 0;
    }
}
