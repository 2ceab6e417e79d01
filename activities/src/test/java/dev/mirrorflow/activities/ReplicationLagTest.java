package dev.mirrorflow.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.connector.PositionProbe;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ReplicationLagTest {

    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

    private final ReplicationLag lag = new ReplicationLag();

    @Test
    void shouldKnowNothingBeforeTheFirstProbe() {
        lag.applied(1000);

        assertThat(lag.behind(T0)).isEmpty();
        assertThat(lag.unconfirmedBytes()).isEmpty();
        assertThat(lag.retainedBytes()).isEmpty();
    }

    @Test
    void shouldTakeTheBytesFromTheSlotsPositions() {
        lag.probed(T0, positions(5000, 4000, 1000));

        assertThat(lag.unconfirmedBytes()).hasValue(1000);
        assertThat(lag.retainedBytes()).hasValue(4000);
    }

    @Test
    void shouldBeOnlyTheProbesAgeForAMirrorThatKeepsUpEvenWhenTheSourceIsIdle() {
        lag.probed(T0, positions(5000, 5000, 4000));
        lag.probed(T0.plusSeconds(5), positions(5000, 5000, 4000));

        assertThat(lag.behind(T0.plusSeconds(6))).hasValue(Duration.ofSeconds(1));
        assertThat(lag.unconfirmedBytes()).hasValue(0);
    }

    @Test
    void shouldMeasureFromTheNewestMomentTheDestinationReachedWhileItCatchesUp() {
        lag.probed(T0, positions(1000, 1000, 900));
        lag.probed(T0.plusSeconds(5), positions(2000, 1000, 900));
        lag.probed(T0.plusSeconds(10), positions(3000, 1000, 900));
        lag.probed(T0.plusSeconds(15), positions(4000, 1000, 900));

        // Nothing newer than T0 reached: the destination may lack anything written since.
        assertThat(lag.behind(T0.plusSeconds(16))).hasValue(Duration.ofSeconds(16));

        // A batch up to 2500 means everything the source had at T0 + 5 s is at the destination.
        lag.applied(2500);
        assertThat(lag.behind(T0.plusSeconds(16))).hasValue(Duration.ofSeconds(11));

        // The slot confirmed past 3000: the T0 + 10 s moment is reached too.
        lag.probed(T0.plusSeconds(20), positions(4000, 3500, 900));
        assertThat(lag.behind(T0.plusSeconds(21))).hasValue(Duration.ofSeconds(11));
        assertThat(lag.unconfirmedBytes()).hasValue(500);
    }

    @Test
    void shouldCountFromTheOldestUnreachedMomentBeforeTheDestinationReachedAny() {
        lag.probed(T0, positions(9000, 1000, 1000));
        lag.probed(T0.plusSeconds(5), positions(9500, 2000, 1000));

        assertThat(lag.behind(T0.plusSeconds(30))).hasValue(Duration.ofSeconds(30));
    }

    @Test
    void shouldRememberThatAPausedMirrorFellBehindWhenItsStreamComesBack() {
        lag.probed(T0, positions(1000, 1000, 1000));
        // Paused for an hour: no probes. The stream comes back and finds the source far ahead.
        Instant resumed = T0.plus(Duration.ofHours(1));
        lag.probed(resumed, positions(900_000, 1000, 1000));

        assertThat(lag.behind(resumed.plusSeconds(1))).hasValue(Duration.ofHours(1).plusSeconds(1));
        lag.applied(900_000);
        assertThat(lag.behind(resumed.plusSeconds(2))).hasValue(Duration.ofSeconds(2));
    }

    @Test
    void shouldNotReportANegativeLagForAMomentAfterNow() {
        lag.probed(T0.plusSeconds(10), positions(1000, 1000, 1000));

        assertThat(lag.behind(T0)).hasValue(Duration.ZERO);
    }

    @Test
    void shouldLeaveTheBytesUnknownForASlotThatLostItsWal() {
        lag.probed(T0, new PositionProbe.Positions(OptionalLong.of(5000), OptionalLong.of(4000), OptionalLong.of(1000),
                OptionalLong.empty()));

        assertThat(lag.retainedBytes()).isEmpty();
        assertThat(lag.unconfirmedBytes()).hasValue(1000);
    }

    /** What a PostgreSQL slot at these LSNs reports. */
    private static PositionProbe.Positions positions(long current, long confirmed, long restart) {
        return new PositionProbe.Positions(OptionalLong.of(current), OptionalLong.of(confirmed),
                OptionalLong.of(current - confirmed), OptionalLong.of(current - restart));
    }
}
