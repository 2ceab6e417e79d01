package dev.mirrorflow.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The settings of a mirror spec that only one kind of source understands: the {@code
 * sourceOptions} block of a spec. Each option is {@code null} when the user did not set it, so
 * that a source can tell "not given" from "given": a source of another kind refuses every option
 * that is not its own ({@link #firstKeyNotIn}) instead of ignoring it, and {@link MirrorSpec}
 * gives each PostgreSQL option its default.
 *
 * <p>Every option today is a PostgreSQL source's ({@link #POSTGRES_KEYS}).
 *
 * <p>The JSON property names are stored in the catalog: do not rename them. An option left unset
 * is not written, so a spec's JSON names only what its user wrote.
 *
 * @param slot the PostgreSQL source's replication slot, or {@code null} for the default ({@link
 *     MirrorSpec#slot()})
 * @param publication the PostgreSQL source's publication, or {@code null} for the default ({@link
 *     MirrorSpec#publication()})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({SourceOptions.SLOT, SourceOptions.PUBLICATION})
public record SourceOptions(
        @JsonProperty(SLOT) String slot,
        @JsonProperty(PUBLICATION) String publication) {

    /** The key of the replication slot, in a spec file and in the stored JSON. */
    public static final String SLOT = "slot";

    /** The key of the publication, in a spec file and in the stored JSON. */
    public static final String PUBLICATION = "publication";

    /** The options a PostgreSQL source takes, in the order the documentation lists them. */
    public static final List<String> POSTGRES_KEYS = List.of(SLOT, PUBLICATION);

    /** Every option a spec may set, for any source, in the order the documentation lists them. */
    public static final List<String> KEYS = POSTGRES_KEYS;

    /** No option set: every one takes its default. */
    public static final SourceOptions NONE = new SourceOptions(null, null);

    /**
     * The names mirrorflow allows for a slot or a publication: what PostgreSQL allows for a slot
     * (lowercase letters, digits, underscores, at most 63), so that neither needs quoting.
     */
    public static final Pattern SOURCE_OBJECT_NAME_FORMAT = Pattern.compile("[a-z0-9_]{1,63}");

    public SourceOptions {
        requireFormatIfSet("replication slot name", slot);
        requireFormatIfSet("publication name", publication);
    }

    /** The keys of the options the user set, in the order of {@link #KEYS}; empty when none. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        if (slot != null) {
            keys.add(SLOT);
        }
        if (publication != null) {
            keys.add(PUBLICATION);
        }
        return List.copyOf(keys);
    }

    /**
     * The first option set that is not one of {@code supported}: what a source refuses, e.g.
     * {@code firstKeyNotIn(List.of())} for a source that takes no options.
     */
    public Optional<String> firstKeyNotIn(Collection<String> supported) {
        Objects.requireNonNull(supported, "supported");
        return keys().stream().filter(k -> !supported.contains(k)).findFirst();
    }

    private static void requireFormatIfSet(String what, String value) {
        if (value != null && !SOURCE_OBJECT_NAME_FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " '" + value + "' does not match " + SOURCE_OBJECT_NAME_FORMAT.pattern());
        }
    }
}
