package dev.mirrorflow.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * How activities that need the replication slot back off while it is busy or the source is
 * unreachable (DESIGN.md 5.1): initial interval, factor, maximum interval, maximum attempts
 * (0 = unlimited). A mirror spec's {@code retry} block sets them; the mirror workflow builds its
 * activities' Temporal retry policy from them.
 *
 * <p>The JSON property names are stored in the catalog and carried in Temporal histories: do
 * not rename them.
 */
@JsonPropertyOrder({"initialIntervalMillis", "backoffCoefficient", "maximumIntervalMillis", "maximumAttempts"})
public record RetrySettings(
        @JsonProperty("initialIntervalMillis") long initialIntervalMillis,
        @JsonProperty("backoffCoefficient") double backoffCoefficient,
        @JsonProperty("maximumIntervalMillis") long maximumIntervalMillis,
        @JsonProperty("maximumAttempts") int maximumAttempts) {

    public static final RetrySettings DEFAULT = new RetrySettings(1_000, 2.0, 60_000, 0);

    public RetrySettings {
        if (initialIntervalMillis < 1 || maximumIntervalMillis < initialIntervalMillis
                || backoffCoefficient < 1.0 || maximumAttempts < 0) {
            throw new IllegalArgumentException("invalid retry settings: initial " + initialIntervalMillis
                    + "ms, factor " + backoffCoefficient + ", maximum " + maximumIntervalMillis + "ms, attempts "
                    + maximumAttempts);
        }
    }

    /**
     * Reads the stored form, where a missing property takes its default so that specs stored
     * before a property existed still read.
     */
    @JsonCreator
    static RetrySettings fromStored(
            @JsonProperty("initialIntervalMillis") Long initialIntervalMillis,
            @JsonProperty("backoffCoefficient") Double backoffCoefficient,
            @JsonProperty("maximumIntervalMillis") Long maximumIntervalMillis,
            @JsonProperty("maximumAttempts") Integer maximumAttempts) {
        return new RetrySettings(
                initialIntervalMillis == null ? DEFAULT.initialIntervalMillis() : initialIntervalMillis,
                backoffCoefficient == null ? DEFAULT.backoffCoefficient() : backoffCoefficient,
                maximumIntervalMillis == null ? DEFAULT.maximumIntervalMillis() : maximumIntervalMillis,
                maximumAttempts == null ? DEFAULT.maximumAttempts() : maximumAttempts);
    }
}
