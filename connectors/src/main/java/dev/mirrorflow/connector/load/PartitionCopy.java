package dev.mirrorflow.connector.load;

/**
 * What happened to one partition.
 *
 * @param rows rows the partition put into the destination (for {@link How#FOUND_IN_DESTINATION}
 *     as the marker recorded them)
 * @param bytes bytes of binary COPY data moved; 0 when nothing was copied
 * @param exportedSnapshot whether the rows were read from the load's exported snapshot rather than
 *     a fresh one; false when nothing was read
 */
public record PartitionCopy(String tableName, int partitionNo, How how, long rows, long bytes, boolean exportedSnapshot) {

    public enum How {
        /** Copied straight into the destination table. */
        COPIED,
        /**
         * Copied through a staging table and upserted, because some of its keys were already in
         * the destination: rows read from different snapshots (after the exported one was lost, or
         * on a resumed load) can meet there when an update moved a row between partitions.
         */
        UPSERTED,
        /** Already in the destination: an earlier attempt committed it but did not reach the catalog. */
        FOUND_IN_DESTINATION
    }

    public boolean copied() {
        return how != How.FOUND_IN_DESTINATION;
    }
}
