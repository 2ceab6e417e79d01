package dev.mirrorflow.activities;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.mirrorflow.model.MirrorSpec;

/**
 * The one codec of the JSON form of a mirror spec that the catalog stores ({@code mirrors.spec}
 * and {@code mirrors.pending_spec}): the CLI writes it and both the CLI and the activities read
 * it. It lives here, not in {@code workflows}, because that module may not depend on
 * jackson-databind; the property names themselves are on {@link MirrorSpec}.
 */
public final class MirrorSpecJson {

    /**
     * Unknown properties fail rather than vanish: a worker that does not know a setting (an
     * exclusion, say) must not run the mirror without it.
     */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private MirrorSpecJson() {}

    /** The JSON the catalog stores for a spec; {@link #read} reads it back unchanged. */
    public static String write(MirrorSpec spec) {
        try {
            return JSON.writeValueAsString(spec);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot write mirror spec " + spec.name() + " as JSON", e);
        }
    }

    /**
     * Reads a spec the catalog stored, also in the forms older versions stored ({@link
     * MirrorSpec}'s JSON creator).
     *
     * @throws UnreadableSpecException with one line saying why, when the JSON is not a valid spec
     */
    public static MirrorSpec read(String json) {
        try {
            return JSON.readValue(json, MirrorSpec.class);
        } catch (JacksonException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            String why = cause instanceof JacksonException je ? je.getOriginalMessage() : cause.getMessage();
            throw new UnreadableSpecException(
                    why == null ? cause.getClass().getSimpleName() : why.lines().findFirst().orElse(""), e);
        }
    }

    /**
     * A stored spec that is not (or no longer) a valid spec. Its message is one line: {@code
     * stored mirror spec is not valid: <why>; recreate the mirror from its spec file}.
     */
    public static final class UnreadableSpecException extends RuntimeException {

        UnreadableSpecException(String why, Throwable cause) {
            super("stored mirror spec is not valid: " + why + "; recreate the mirror from its spec file", cause);
        }
    }
}
