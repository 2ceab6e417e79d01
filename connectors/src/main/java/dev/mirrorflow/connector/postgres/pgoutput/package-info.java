/**
 * Decodes PostgreSQL's {@code pgoutput} logical replication protocol (versions 1 and 2) into
 * immutable message records, so that streaming code never handles bytes.
 *
 * <p>Oids are Java {@code int}s holding unsigned 32-bit values, as pgjdbc represents them.
 * Transaction ids are {@code long}s holding unsigned 32-bit values; {@code 0} is Postgres'
 * InvalidTransactionId and marks "not sent".
 */
package dev.mirrorflow.connector.postgres.pgoutput;
