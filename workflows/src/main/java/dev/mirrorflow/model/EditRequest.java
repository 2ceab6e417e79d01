package dev.mirrorflow.model;

/**
 * Asks for the spec edit waiting in the catalog to be applied.
 *
 * @param loadGeneration the load the added tables' partitions belong to
 * @param loadAddedTables whether to copy the added tables' rows now: only when the mirror's own
 *     load is complete and no resync is about to reload everything (otherwise the next load
 *     copies them with the rest)
 */
public record EditRequest(String mirror, int loadGeneration, boolean loadAddedTables) {}
