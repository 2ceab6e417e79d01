package dev.mirrorflow.connector.postgres.slot;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SlotAcquirerTest {

    /**
     * Computed once, when the derivation was written, and cross-checked in Postgres with
     * {@code SELECT ('x' || left(encode(sha256('mirrorflow-slot:mirrorflow_orders'), 'hex'), 16))::bit(64)::bigint}.
     * If this fails, the derivation changed, and workers of two versions would not exclude each
     * other from the same slot.
     */
    @Test
    void shouldDeriveTheSameLockKeyForASlotNameForever() {
        assertThat(SlotAcquirer.lockKey("mirrorflow_orders")).isEqualTo(-7905781983938692408L);
    }

    @Test
    void shouldDeriveDifferentLockKeysForDifferentSlots() {
        assertThat(SlotAcquirer.lockKey("mirrorflow_orders")).isNotEqualTo(SlotAcquirer.lockKey("mirrorflow_order"));
    }
}
