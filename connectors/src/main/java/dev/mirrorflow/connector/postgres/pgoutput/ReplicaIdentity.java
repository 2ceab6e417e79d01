package dev.mirrorflow.connector.postgres.pgoutput;

/** A table's replica identity setting, {@code pg_class.relreplident}. */
public enum ReplicaIdentity {
    /** The primary key ({@code 'd'}). */
    DEFAULT('d'),
    /** No identity ({@code 'n'}): updates and deletes cannot be published. */
    NOTHING('n'),
    /** All columns ({@code 'f'}). */
    FULL('f'),
    /** The columns of a chosen unique index ({@code 'i'}). */
    INDEX('i');

    private final char code;

    ReplicaIdentity(char code) {
        this.code = code;
    }

    /** The code Postgres stores and sends, for example {@code 'f'}. */
    public char code() {
        return code;
    }

    /** The setting for a {@code relreplident} code, or {@code null} if the code is unknown. */
    static ReplicaIdentity fromCode(int code) {
        for (ReplicaIdentity identity : values()) {
            if (identity.code == code) {
                return identity;
            }
        }
        return null;
    }
}
