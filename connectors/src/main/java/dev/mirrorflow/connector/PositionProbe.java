package dev.mirrorflow.connector;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads where a mirror's source is now and what it has confirmed, for the replication lag
 * gauges. Positions are numbers that grow with the source's history (a PostgreSQL LSN; a MongoDB
 * cluster time), so the telemetry can tell which noted moment the destination has reached. Used
 * by one thread at a time (the activity's); a probe keeps its own connection, opened when first
 * read, so it never disturbs the stream's or the load's.
 */
public interface PositionProbe extends AutoCloseable {

    /** What the gauges are labelled with besides the mirror: the slot's name, the change stream's. */
    String streamName();

    /**
     * The source's positions now; empty when the mirror's stream position does not exist (yet).
     *
     * @throws Exception when the source cannot be read; the caller logs it and tries again later
     */
    Optional<Positions> read() throws Exception;

    /** A batch's position as one of these numbers; empty when it is not one this source wrote. */
    OptionalLong order(String position);

    @Override
    void close();

    /**
     * @param current the source's newest position, if it has one
     * @param confirmed what the source has been told the destination committed, if known
     * @param unconfirmedBytes changes written at the source and not confirmed, where the source counts bytes
     * @param retainedBytes what the source keeps for the mirror, where it counts bytes
     */
    record Positions(OptionalLong current, OptionalLong confirmed, OptionalLong unconfirmedBytes,
            OptionalLong retainedBytes) {}
}
