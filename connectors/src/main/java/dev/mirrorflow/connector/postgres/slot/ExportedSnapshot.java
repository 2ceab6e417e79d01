package dev.mirrorflow.connector.postgres.slot;

/**
 * A new replication slot and the snapshot Postgres exported when creating it: reading the tables
 * in this snapshot and then streaming from {@code consistentPoint} sees every change exactly once.
 *
 * <p>The snapshot can be imported ({@code SET TRANSACTION SNAPSHOT '<snapshotName>'} as the first
 * statement of a REPEATABLE READ transaction) only while the {@link AcquiredSlot} that created the
 * slot stays open and runs no other command; closing that is what releases it.
 *
 * @param consistentPoint the LSN streaming starts from, in Postgres' {@code X/X} form
 */
public record ExportedSnapshot(String slot, String consistentPoint, String snapshotName) {}
