package dev.mirrorflow.connector;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The kinds of database a peer can be, by the name the catalog's {@code peer_type} column holds. */
public enum PeerType {

    POSTGRES("postgres", true),
    MONGODB("mongodb", true);

    private final String id;
    private final boolean supported;

    PeerType(String id, boolean supported) {
        this.id = id;
        this.supported = supported;
    }

    /** The name used on the command line and in the catalog. */
    public String id() {
        return id;
    }

    /**
     * The type a user named, which this version can create peers of.
     *
     * @throws InvalidPeerException naming the supported types when {@code text} is unknown or not
     *     supported yet
     */
    public static PeerType parse(String text) {
        String wanted = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        for (PeerType type : values()) {
            if (type.id.equals(wanted)) {
                if (!type.supported) {
                    throw new InvalidPeerException("peer type " + type.id + " is not supported yet; supported types: "
                            + supportedIds());
                }
                return type;
            }
        }
        throw new InvalidPeerException("unknown peer type '" + Printable.of(text) + "'; supported types: "
                + supportedIds());
    }

    /** The type a stored row names, whether or not this version can use it. */
    public static PeerType ofStored(String id) {
        for (PeerType type : values()) {
            if (type.id.equals(id)) {
                return type;
            }
        }
        throw new IllegalStateException("the catalog holds a peer of unknown type " + Printable.of(id));
    }

    static String supportedIds() {
        return Arrays.stream(values()).filter(t -> t.supported).map(PeerType::id).collect(Collectors.joining(", "));
    }

    /**
     * Whether a spec's {@code exclude} names fields inside the documents of this source (taken
     * out at the source, before anything leaves the worker), rather than destination columns.
     */
    public boolean excludesInsideDocuments() {
        return this == MONGODB;
    }
}
