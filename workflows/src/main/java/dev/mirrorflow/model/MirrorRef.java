package dev.mirrorflow.model;

/**
 * The input of a mirror's workflow: its name (the catalog has its spec and peers) and the state
 * carried over from the previous run. Never credentials.
 */
public record MirrorRef(String name, MirrorState state) {}
