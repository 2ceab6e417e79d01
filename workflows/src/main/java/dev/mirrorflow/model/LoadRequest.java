package dev.mirrorflow.model;

/** Asks for (the rest of) a mirror's initial load. */
public record LoadRequest(String mirror, int loadGeneration) {}
