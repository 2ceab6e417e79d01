package dev.mirrorflow.connector;

/**
 * One value of a changed row, independent of the source: SQL NULL, a value the source did not
 * send because it did not change (PostgreSQL's unchanged TOAST), or the value in PostgreSQL's
 * text form (what a destination COPY in text format reads back exactly).
 */
public sealed interface Value {

    Value NULL = new Null();
    Value UNCHANGED = new Unchanged();

    static Value text(String text) {
        return new Text(text);
    }

    record Null() implements Value {}

    record Unchanged() implements Value {}

    record Text(String text) implements Value {}
}
