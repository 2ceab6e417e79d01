package dev.mirrorflow.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FailureTypesTest {

    @Test
    void shouldKeepTheFailureTypeNamesThatHistoriesAndRetryPoliciesCarry() {
        assertThat(List.of(FailureTypes.SOURCE_CONFIGURATION, FailureTypes.SOURCE_UNAVAILABLE, FailureTypes.SLOT_BUSY,
                FailureTypes.DESTINATION_CONFIGURATION, FailureTypes.DESTINATION_UNAVAILABLE,
                FailureTypes.MIRROR_NOT_FOUND, FailureTypes.SECRET_KEY, FailureTypes.TEARDOWN_INCOMPLETE,
                FailureTypes.CATALOG_UNAVAILABLE))
                .containsExactly("SourceConfiguration", "SourceUnavailable", "SlotBusy", "DestinationConfiguration",
                        "DestinationUnavailable", "MirrorNotFound", "SecretKey", "TeardownIncomplete",
                        "CatalogUnavailable");
    }

    @Test
    void shouldNeverRetryExactlyTheProblemsAUserMustFix() {
        assertThat(FailureTypes.NEVER_RETRIED)
                .containsExactly("SourceConfiguration", "DestinationConfiguration", "MirrorNotFound");
        assertThat(MirrorWorkflowImpl.NON_RETRYABLE).containsExactlyElementsOf(FailureTypes.NEVER_RETRIED);
    }
}
