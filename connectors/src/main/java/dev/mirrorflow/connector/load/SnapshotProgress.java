package dev.mirrorflow.connector.load;

import dev.mirrorflow.connector.load.SnapshotLoadOptions;
import java.util.Optional;

/**
 * How far a run of the loader is. Counts cover this run only; the catalog's progress covers the
 * whole load across runs.
 *
 * @param partitionsDone partitions of this run that are in the destination and marked done
 * @param partitionsToDo partitions this run set out to do (the unfinished ones when it started)
 * @param lastPartition the partition whose completion prompted this call; empty for a call made
 *     only because {@link SnapshotLoadOptions#progressInterval()} passed
 */
public record SnapshotProgress(int partitionsDone, int partitionsToDo, long rowsCopied, long bytesCopied,
        Optional<PartitionCopy> lastPartition) {}
