package dev.mirrorflow.model;

/**
 * How applying a spec edit ended.
 *
 * @param applied whether the edited spec is now the mirror's; false when the activity was
 *     stopped at a partition boundary before the added tables were loaded
 * @param rowsLoaded rows copied into the added tables by this attempt
 */
public record EditResult(boolean applied, long rowsLoaded) {}
