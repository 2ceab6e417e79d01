package dev.mirrorflow.connector.postgres.pgoutput;

import java.util.ArrayList;
import java.util.List;

/** Keeps every decoded message in arrival order, so that tests can assert on the sequence. */
final class RecordingHandler implements PgOutputHandler {

    final List<Record> messages = new ArrayList<>();

    <T extends Record> List<T> messagesOf(Class<T> type) {
        return messages.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Override
    public void onBegin(BeginMessage message) {
        messages.add(message);
    }

    @Override
    public void onCommit(CommitMessage message) {
        messages.add(message);
    }

    @Override
    public void onOrigin(OriginMessage message) {
        messages.add(message);
    }

    @Override
    public void onRelation(RelationMessage message) {
        messages.add(message);
    }

    @Override
    public void onType(TypeMessage message) {
        messages.add(message);
    }

    @Override
    public void onInsert(InsertMessage message) {
        messages.add(message);
    }

    @Override
    public void onUpdate(UpdateMessage message) {
        messages.add(message);
    }

    @Override
    public void onDelete(DeleteMessage message) {
        messages.add(message);
    }

    @Override
    public void onTruncate(TruncateMessage message) {
        messages.add(message);
    }

    @Override
    public void onLogicalDecodingMessage(LogicalDecodingMessage message) {
        messages.add(message);
    }

    @Override
    public void onStreamStart(StreamStartMessage message) {
        messages.add(message);
    }

    @Override
    public void onStreamStop(StreamStopMessage message) {
        messages.add(message);
    }

    @Override
    public void onStreamCommit(StreamCommitMessage message) {
        messages.add(message);
    }

    @Override
    public void onStreamAbort(StreamAbortMessage message) {
        messages.add(message);
    }
}
