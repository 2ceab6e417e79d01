package dev.mirrorflow.activities;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.client.ActivityCanceledException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ActivityHeartbeatTest {

    private static final long SECOND = 1_000_000_000L;

    /** The nanoTime of each heartbeat sent to Temporal. */
    private final List<Long> sent = new ArrayList<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private long now = 42 * SECOND;

    @Test
    void shouldBeatAQuarterOfTheHeartbeatTimeoutApartWhileIdleFromOneToThreeSeconds() {
        assertThat(ActivityHeartbeat.idleInterval(Duration.ZERO)).isEqualTo(Duration.ofSeconds(1));
        assertThat(ActivityHeartbeat.idleInterval(Duration.ofSeconds(5))).isEqualTo(Duration.ofMillis(1250));
        assertThat(ActivityHeartbeat.idleInterval(Duration.ofSeconds(8))).isEqualTo(Duration.ofSeconds(2));
        assertThat(ActivityHeartbeat.idleInterval(Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void shouldBeatEveryTwoSecondsWhileAStreamWithTheDefaultTimeoutWaitsAndEverySecondWhileItApplies() {
        ActivityHeartbeat heartbeat = heartbeat(Duration.ofSeconds(8));
        // Idle: the stream ticks every second and the worker's thread comes when a beat is due.
        for (int i = 0; i < 8; i++) {
            heartbeat.beat(null);
            assertThat(heartbeat.keepAlive()).isEqualTo(sent.get(sent.size() - 1) + 2 * SECOND - now);
            now += SECOND / 2;
        }
        assertThat(sent).containsExactly(42 * SECOND, 44 * SECOND);
        // Busy: a batch applied every half second.
        sent.clear();
        for (int i = 0; i < 6; i++) {
            heartbeat.beat("0/" + i);
            now += SECOND / 2;
        }
        assertThat(sent).containsExactly(46 * SECOND, 47 * SECOND, 48 * SECOND);
    }

    @Test
    void shouldHearAStopWithinTheIdleIntervalAndWakeTheWork() {
        ActivityHeartbeat heartbeat = heartbeat(Duration.ofSeconds(8));
        AtomicInteger woken = new AtomicInteger();
        heartbeat.onStopRequested(woken::incrementAndGet);
        heartbeat.keepAlive();
        cancelled.set(true);
        now += SECOND;
        heartbeat.keepAlive();
        assertThat(heartbeat.stopRequested()).isFalse();
        now += SECOND;
        heartbeat.keepAlive();
        assertThat(heartbeat.stopRequested()).isTrue();
        assertThat(woken).hasValue(1);
    }

    private ActivityHeartbeat heartbeat(Duration heartbeatTimeout) {
        ActivityInfo info = (ActivityInfo) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ActivityInfo.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getHeartbeatTimeout" -> heartbeatTimeout;
                    case "getActivityType" -> "Stream";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        ActivityExecutionContext context = (ActivityExecutionContext) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {ActivityExecutionContext.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getInfo" -> info;
                    case "heartbeat" -> {
                        sent.add(now);
                        if (cancelled.get()) {
                            throw new ActivityCanceledException();
                        }
                        yield null;
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return new ActivityHeartbeat(context, () -> now);
    }
}
