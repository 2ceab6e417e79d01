package dev.mirrorflow.model;

import java.util.List;

/**
 * What the maintenance workflow's `status` query answers. The catalog holds the same and more
 * (`maintenance status` reads it there, so it answers while Temporal is down).
 *
 * @param runId the window's id in the catalog, 0 before it is recorded
 * @param stage opening, recording, pausing, on, ending or ended
 * @param mirrors the mirrors the window recorded as active
 */
public record MaintenanceStatus(long runId, String stage, List<String> mirrors, boolean endRequested) {}
