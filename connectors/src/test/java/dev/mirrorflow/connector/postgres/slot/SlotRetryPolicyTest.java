package dev.mirrorflow.connector.postgres.slot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SlotRetryPolicyTest {

    @Test
    void shouldDefaultToOneSecondDoublingUpToAMinuteWithoutAttemptLimit() {
        assertThat(SlotRetryPolicy.DEFAULT).isEqualTo(
                new SlotRetryPolicy(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(60), 0));
    }

    @Test
    void shouldDoubleTheDelayAfterEachFailedAttemptUntilTheMaximum() {
        assertThat(IntStream.rangeClosed(1, 9).mapToObj(SlotRetryPolicy.DEFAULT::nextDelay).map(Duration::toSeconds))
                .containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L);
    }

    @Test
    void shouldStayAtTheMaximumAfterVeryManyAttempts() {
        assertThat(SlotRetryPolicy.DEFAULT.nextDelay(10_000)).isEqualTo(Duration.ofSeconds(60));
        assertThat(SlotRetryPolicy.DEFAULT.nextDelay(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void shouldKeepAConstantDelayWithCoefficientOne() {
        SlotRetryPolicy constant = new SlotRetryPolicy(Duration.ofMillis(500), 1.0, Duration.ofSeconds(5), 3);
        assertThat(constant.nextDelay(1)).isEqualTo(Duration.ofMillis(500));
        assertThat(constant.nextDelay(7)).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void shouldAllowAttemptsUntilTheMaximumOrForeverWhenZero() {
        SlotRetryPolicy three = new SlotRetryPolicy(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(60), 3);
        assertThat(three.allowsAttemptAfter(2)).isTrue();
        assertThat(three.allowsAttemptAfter(3)).isFalse();
        assertThat(SlotRetryPolicy.DEFAULT.allowsAttemptAfter(1_000_000)).isTrue();
    }

    @Test
    void shouldRejectNonsensicalSettings() {
        Duration s = Duration.ofSeconds(1);
        assertThatThrownBy(() -> new SlotRetryPolicy(Duration.ZERO, 2.0, s, 0)).hasMessageContaining("positive");
        assertThatThrownBy(() -> new SlotRetryPolicy(s, 0.5, s, 0)).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> new SlotRetryPolicy(s, Double.NaN, s, 0)).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> new SlotRetryPolicy(s.multipliedBy(2), 2.0, s, 0)).hasMessageContaining("shorter");
        assertThatThrownBy(() -> new SlotRetryPolicy(s, 2.0, s, -1)).hasMessageContaining("unlimited");
        assertThatThrownBy(() -> SlotRetryPolicy.DEFAULT.nextDelay(0)).hasMessageContaining("from 1");
    }
}
