package dev.mirrorflow.activities;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.SecretDecryptionException;
import dev.mirrorflow.connector.ConnectorFailure;
import dev.mirrorflow.connector.Connectors;
import dev.mirrorflow.workflow.FailureTypes;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where an activity's failure becomes a Temporal failure. A problem the user must
 * fix is non-retryable and ends the mirror with its message; anything else is retried by the
 * activity's retry policy, and shows on the mirror as its last error while it is retried.
 */
final class ActivityFailures {

    private static final Logger log = LoggerFactory.getLogger(ActivityFailures.class);

    /** Error type of destination problems a user must fix (incompatible tables). */
    static final String DESTINATION_CONFIGURATION = FailureTypes.DESTINATION_CONFIGURATION;

    /** What the stream activity says it was doing. */
    static final String STREAMING = "streaming changes";

    private ActivityFailures() {}

    static RuntimeException toFailure(Catalog catalog, String mirror, String doing, Throwable e) {
        if (e instanceof ApplicationFailure a) {
            return a;
        }
        String message;
        String type;
        boolean retryable;
        Optional<String> permanentAdvice = Connectors.permanentDestinationAdvice(mirror, e, STREAMING.equals(doing));
        if (e instanceof ConnectorFailure s) {
            message = s.getMessage();
            type = s.type();
            retryable = s.retryable();
        } else if (e instanceof SecretDecryptionException) {
            // The operator fixes this by giving the worker the right key; then a retry succeeds.
            message = "mirror " + mirror + ": " + e.getMessage();
            type = FailureTypes.SECRET_KEY;
            retryable = true;
        } else if (e instanceof IllegalStateException || e instanceof IllegalArgumentException) {
            // The destination and the stream refuse what they cannot reconcile (a column that
            // changed type, a table without a key) with one line that says what to do.
            String prefix = "mirror " + mirror + ": ";
            message = e.getMessage() != null && e.getMessage().startsWith(prefix) ? e.getMessage()
                    : prefix + e.getMessage();
            type = DESTINATION_CONFIGURATION;
            retryable = false;
        } else if (permanentAdvice.isPresent()) {
            // A privilege or an object that is gone fails the same way on every attempt.
            message = e.getMessage() + "; " + permanentAdvice.get();
            type = DESTINATION_CONFIGURATION;
            retryable = false;
        } else if (Connectors.isDestinationFailure(e)) {
            message = e.getMessage();
            type = FailureTypes.DESTINATION_UNAVAILABLE;
            retryable = true;
        } else {
            message = "mirror " + mirror + ": " + doing + " failed: " + firstLine(e);
            type = e.getClass().getSimpleName();
            retryable = true;
        }
        int attempt = Activity.getExecutionContext().getInfo().getAttempt();
        recordError(catalog, mirror, retryable ? message + " (attempt " + attempt + ", retrying)" : message);
        if (retryable) {
            log.warn("{} (attempt {}, will be retried)", message, attempt);
            return ApplicationFailure.newFailureWithCause(message, type, e);
        }
        // The workflow reports the innermost message of a failure, which for one with a cause would
        // be the driver's bare text ("permission denied for table t") rather than what to do: the
        // failure carries this message alone, and the log the cause.
        log.error(message, e);
        return ApplicationFailure.newNonRetryableFailure(message, type);
    }

    private static void recordError(Catalog catalog, String mirror, String recorded) {
        try {
            catalog.mirrors().findLive(mirror).ifPresent(m -> catalog.mirrors().recordError(m.id(), recorded, null));
        } catch (RuntimeException catalogDown) {
            log.warn("could not record the error of mirror {} in the catalog: {}", mirror, catalogDown.getMessage());
        }
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }
}
