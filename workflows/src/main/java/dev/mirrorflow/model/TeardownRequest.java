package dev.mirrorflow.model;

/**
 * Removes what a mirror made at the source (slot, publication) and, when asked, the
 * destination tables it loaded.
 */
public record TeardownRequest(String mirror, boolean dropDestination) {

    /**
     * How a drop retries removing what the mirror made: a user waits for it, so a source that
     * does not answer within about half a minute is reported rather than waited for. The
     * workflow's teardown activity retries by it, and the activity logs slot attempts by it.
     */
    public static final RetrySettings RETRY = new RetrySettings(1_000, 2.0, 10_000, 6);

    /**
     * How the history event begins that names the destination tables a drop with its
     * destination kept (mirrorflow did not create them for the mirror); `mirror drop` says so.
     */
    public static final String KEPT_TABLES = "kept destination table(s) ";
}
