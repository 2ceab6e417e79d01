package dev.mirrorflow.connector.postgres.pgoutput;

/**
 * Receives decoded pgoutput messages from {@link PgOutputDecoder}, one method per message type.
 *
 * <p>There are no default methods on purpose: a consumer that does not expect a message type
 * must say so, for example by throwing, rather than drop it without noticing.
 */
public interface PgOutputHandler {

    void onBegin(BeginMessage message);

    void onCommit(CommitMessage message);

    void onOrigin(OriginMessage message);

    void onRelation(RelationMessage message);

    void onType(TypeMessage message);

    void onInsert(InsertMessage message);

    void onUpdate(UpdateMessage message);

    void onDelete(DeleteMessage message);

    void onTruncate(TruncateMessage message);

    void onLogicalDecodingMessage(LogicalDecodingMessage message);

    void onStreamStart(StreamStartMessage message);

    void onStreamStop(StreamStopMessage message);

    void onStreamCommit(StreamCommitMessage message);

    void onStreamAbort(StreamAbortMessage message);
}
