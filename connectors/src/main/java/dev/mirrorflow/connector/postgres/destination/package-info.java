/**
 * Applies a mirror's change batches to a PostgreSQL destination: creates and evolves the
 * destination tables, collapses each batch per key, and writes it with COPY into a staging table
 * and one MERGE per table, in the same transaction as the mirror's checkpoint.
 */
package dev.mirrorflow.connector.postgres.destination;
