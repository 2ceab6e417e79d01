package dev.mirrorflow.catalog;

/**
 * A partitioned source table a mirror follows, or one of its leaf partitions, as the mirror last
 * accounted for it.
 *
 * @param sourceTable the partitioned table as the mirror's spec names it
 * @param relationOid the relation's identity at the source; the partitioned table's own OID for
 *     the row of the table itself
 * @param relationName the relation's name when it was recorded, for messages
 * @param relfilenode the partition's storage, which a TRUNCATE replaces; 0 for the partitioned
 *     table, which has none
 * @param joinedBy the transaction that last linked the partition into the table, or null for the
 *     partitioned table itself
 */
public record SourcePartition(String sourceTable, long relationOid, String relationName, long relfilenode,
        String joinedBy) {

    /** Whether this is the row of the partitioned table itself rather than of a partition. */
    public boolean isTable() {
        return joinedBy == null;
    }
}
