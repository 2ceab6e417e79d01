package dev.mirrorflow.connector.postgres;

import dev.mirrorflow.workflow.FailureTypes;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Someone else uses the replication slot: another mirrorflow instance holds its advisory lock, or
 * another process streams from it. Retryable, since the holder usually goes away on its own.
 */
public final class SlotBusyException extends SourceException {

    /** Do not rename: see {@link SourceException#type()}. */
    public static final String TYPE = FailureTypes.SLOT_BUSY;

    private final String slot;
    private final Integer holderPid;

    public SlotBusyException(String message, String slot, OptionalInt holderPid, Throwable cause) {
        super(message, cause);
        this.slot = Objects.requireNonNull(slot, "slot");
        this.holderPid = holderPid.isPresent() ? holderPid.getAsInt() : null;
    }

    public String slot() {
        return slot;
    }

    /** The server process id of the session holding the slot, when Postgres told us. */
    public OptionalInt holderPid() {
        return holderPid == null ? OptionalInt.empty() : OptionalInt.of(holderPid);
    }

    @Override
    public boolean retryable() {
        return true;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public java.util.Optional<String> leftoverReason() {
        return java.util.Optional.of("it is in use by " + (holderPid != null ? "PID " + holderPid : "another process")
                + "; stop that process first");
    }
}
