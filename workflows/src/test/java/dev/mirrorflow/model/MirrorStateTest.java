package dev.mirrorflow.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MirrorStateTest {

    private static final RetrySettings RETRY = new RetrySettings(200, 2.0, 1000, 0);

    /**
     * Recorded histories and running workflows' continue-as-new inputs hold states in this
     * shape: a change to it (a renamed component, a method Jackson takes for a property) breaks them.
     */
    @Test
    void shouldKeepTheJsonShapeThatRecordedHistoriesAndRunningWorkflowsHold() throws Exception {
        MirrorState state = MirrorState.initial(true, 1000, 5000, RETRY).withPhaseRecorded(Phase.RUNNING, 42)
                .withBatchSize(77);
        Payload payload = DefaultDataConverter.STANDARD_INSTANCE.toPayload(state).orElseThrow();
        JsonNode json = new ObjectMapper().readTree(payload.getData().toStringUtf8());

        List<String> names = new ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("phase", "loadGeneration", "setupDone", "loadDone", "pauseReason",
                "resumeRequested", "terminateRequested", "dropDestination", "resyncRequested", "batchSize",
                "idleTimeoutMillis", "retry", "lastError", "phaseSinceMillis", "eventSeq", "pendingEdit",
                "maintenanceRunId", "heartbeatTimeoutMillis");
        assertThat(json.get("phase").asText()).isEqualTo("RUNNING");
        assertThat(json.get("batchSize").asInt()).isEqualTo(77);
        assertThat(json.get("eventSeq").asLong()).isEqualTo(1);
        assertThat(DefaultDataConverter.STANDARD_INSTANCE.fromPayload(payload, MirrorState.class, MirrorState.class))
                .isEqualTo(state);
    }

    @Test
    void shouldReadAStateWrittenBeforeEditsMaintenanceHoldsAndHeartbeatTimeoutsExisted() throws Exception {
        String old = """
                {"phase":"RUNNING","loadGeneration":1,"setupDone":true,"loadDone":true,"pauseReason":"p",\
                "resumeRequested":false,"terminateRequested":false,"dropDestination":false,"resyncRequested":false,\
                "batchSize":500,"idleTimeoutMillis":2000,"retry":null,"lastError":null,"phaseSinceMillis":7,\
                "eventSeq":2}""";
        MirrorState state = DefaultDataConverter.STANDARD_INSTANCE.fromPayload(Payload.newBuilder()
                .putMetadata("encoding", com.google.protobuf.ByteString.copyFromUtf8("json/plain"))
                .setData(com.google.protobuf.ByteString.copyFromUtf8(old)).build(), MirrorState.class, MirrorState.class);
        assertThat(state.batchSize()).isEqualTo(500);
        assertThat(state.pendingEdit()).isNull();
        assertThat(state.maintenanceRunId()).isZero();
        assertThat(state.heartbeatTimeoutMillis()).isZero();
    }

    @Test
    void shouldChangeOnlyWhatEachWithMethodNames() {
        MirrorState state = MirrorState.initial(true, 1000, 5000, RETRY);
        MirrorState changed = state.withIdleTimeout(900);
        assertThat(changed).isEqualTo(new MirrorState(Phase.CREATED, 1, false, false, null, false, false, false, false,
                1000, 900, RETRY, null, 0, 0, null, 0, 0));
        assertThat(state.idleTimeoutMillis()).as("records do not change").isEqualTo(5000);
        assertThat(state.withTerminateRequested(true).withTerminateRequested(false).dropDestination())
                .as("a drop of the destination asked for once stays asked for").isTrue();
        assertThat(state.withPauseReason("p").withResumeRequested().withPauseReason(null).resumeRequested()).isFalse();
    }

    @Test
    void shouldResyncAFailedRunWithEverySettingItHadAndItsEventsCountedOn() {
        MirrorState failed = new MirrorState(Phase.FAILED, 3, true, true, null, false, false, false, false, 77, 900,
                RETRY, "the source broke", 1234, 41, null, 0, 15_000);

        MirrorState next = failed.resyncAfterThisFailure();

        assertThat(next).isEqualTo(new MirrorState(Phase.FAILED, 3, false, false, null, false, false, false, true, 77,
                900, RETRY, null, 1234, 41, null, 0, 15_000));
    }

    @Test
    void shouldResumeAFailedRunFromItsCheckpointWithEverySettingItHad() {
        MirrorState failed = new MirrorState(Phase.FAILED, 2, true, true, "p", false, false, false, false, 77, 900,
                RETRY, "the source broke", 1234, 41, null, 7, 15_000);

        MirrorState next = failed.resumeAfterThisFailure();

        assertThat(next).isEqualTo(new MirrorState(Phase.FAILED, 2, true, true, null, false, false, false, false, 77,
                900, RETRY, null, 1234, 41, null, 0, 15_000));
    }

    /**
     * Runs that ended before runs returned their final state returned their phase: reading such
     * a result as a state fails with this exception, which MirrorControl.finalState takes as
     * "no final state known".
     */
    @Test
    void shouldNotReadTheResultOfARunThatReturnedOnlyItsPhaseAsAState() {
        Payload phaseResult = DefaultDataConverter.STANDARD_INSTANCE.toPayload(Phase.FAILED).orElseThrow();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DefaultDataConverter.STANDARD_INSTANCE
                .fromPayload(phaseResult, MirrorState.class, MirrorState.class))
                .isInstanceOf(io.temporal.common.converter.DataConverterException.class);
    }
}
