package dev.mirrorflow.model;

import java.util.List;

/**
 * Which mirrors the maintenance workflow signalled, and which it could not signal because their
 * workflow no longer runs (dropped or failed meanwhile, or forgotten by Temporal).
 */
public record MaintenanceSignals(long runId, List<String> signalled, List<String> notRunning) {}
