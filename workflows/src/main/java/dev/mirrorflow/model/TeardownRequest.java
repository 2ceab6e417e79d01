package dev.mirrorflow.model;

/**
 * Removes what a mirror made at the source (slot, publication) and, when asked, the
 * destination tables it loaded.
 */
public record TeardownRequest(String mirror, boolean dropDestination) {}
