package dev.mirrorflow.model;

/**
 * The input of the maintenance workflow. Its JSON names are recorded in Temporal histories and
 * written by scripts/maintenance.sh: do not rename.
 *
 * @param reason shown in status and in the refusals of commands during the window
 * @param startedBy who opened the window (user and host), for `maintenance status`
 * @param endAtOnce true for a run that only ends an open window whose workflow is gone (it
 *     was terminated, or Temporal lost it): it resumes what that window paused and clears the flag
 */
public record MaintenanceRequest(String reason, String startedBy, boolean endAtOnce) {}
