/**
 * The initial load of a PostgreSQL source: tables split into ctid block ranges, each range
 * copied with binary COPY from the source's exported snapshot into the destination, exactly once.
 *
 * <p>Exactly once rests on two records. The destination transaction that copies a partition also
 * writes a marker row into {@code _mirrorflow.snapshot_partitions}, so a partition is either
 * wholly in the destination with its marker or not there at all. The catalog then records the
 * partition as done; a crash between the two is repaired by reading the marker before copying.
 *
 * <p>Nothing here knows Temporal: the loader reports progress through a callback and stops when
 * a supplier says so, which the snapshot activity maps to heartbeats and cancellation.
 */
package dev.mirrorflow.connector.postgres.snapshot;
