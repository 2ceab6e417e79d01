package dev.mirrorflow.catalog;

/** What it takes to register a mirror; {@code spec} is the validated spec as JSON. */
public record NewMirror(String name, String sourcePeer, String destinationPeer, String spec, String workflowId) {}
