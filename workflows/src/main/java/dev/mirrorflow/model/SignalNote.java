package dev.mirrorflow.model;

/**
 * A line for a mirror's history about a signal, such as one the workflow refused during
 * maintenance. {@code idempotencyKey} makes a retried write a no-op.
 */
public record SignalNote(String mirror, String text, String idempotencyKey) {}
