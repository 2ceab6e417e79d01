package dev.mirrorflow.connector;

/**
 * A mark in a source's change log, made when the probe was opened, after everything the source
 * had committed by then ({@code mirror wait --caught-up}). Once the mirror's stream has confirmed
 * a position at or past the mark, the destination holds everything before it.
 *
 * <p>Holds a connection to the source until closed. Positions are the source's own, as text, for
 * messages only.
 */
public interface CaughtUpProbe extends AutoCloseable {

    /** The mark's position. */
    String target();

    /**
     * Reads where the mirror's stream is confirmed now (it may block for a few seconds on a busy
     * source).
     *
     * @return whether that is at or past the mark
     * @throws Exception when the source cannot be asked; the caller fails with its message
     */
    boolean reached() throws Exception;

    /** The position the last {@link #reached()} read, or the source's "no position" before it. */
    String position();

    @Override
    void close() throws Exception;
}
