package dev.mirrorflow.connector;

import io.opentelemetry.api.common.AttributeKey;

/**
 * The names that mirrorflow's spans and metrics share. One attribute key per domain notion, so
 * that the traces and metrics of one mirror, table or slot join on the same attribute whichever
 * part of the code produced them.
 */
public final class TelemetryNames {

    /** The instrumentation scope of every tracer and meter of mirrorflow. */
    public static final String SCOPE = "dev.mirrorflow";

    /** The mirror's name, as in {@code mirror create}. */
    public static final AttributeKey<String> MIRROR = AttributeKey.stringKey("mirrorflow.mirror");

    /** A source table, {@code schema.name}. */
    public static final AttributeKey<String> TABLE = AttributeKey.stringKey("mirrorflow.table");

    /** A replication slot on the source. */
    public static final AttributeKey<String> SLOT = AttributeKey.stringKey("mirrorflow.slot");

    /** The OpenTelemetry semantic convention for the class of an error. */
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    private TelemetryNames() {
    }
}
