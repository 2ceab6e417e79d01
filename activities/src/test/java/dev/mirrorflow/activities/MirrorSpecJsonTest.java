package dev.mirrorflow.activities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.RetrySettings;
import dev.mirrorflow.model.SnapshotSpec;
import dev.mirrorflow.model.SourceOptions;
import dev.mirrorflow.model.TableSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class MirrorSpecJsonTest {

    private static final MirrorSpec ORDERS = new MirrorSpec("orders", "shop", "warehouse",
            List.of(TableSpec.of("public.orders"),
                    new TableSpec("public.customers", "crm.customers", List.of("email", "phone"))),
            false, 5000, 1500, new SnapshotSpec(100_000, 8), new RetrySettings(500, 1.5, 30_000, 20),
            new SourceOptions("orders_slot", "shop_pub"));

    @Test
    void shouldRoundTripASpecUnchanged() {
        MirrorSpec defaults = MirrorSpec.withDefaults("orders", "shop", "warehouse", List.of(TableSpec.of("public.orders")));

        assertThat(MirrorSpecJson.read(MirrorSpecJson.write(ORDERS))).isEqualTo(ORDERS);
        assertThat(MirrorSpecJson.read(MirrorSpecJson.write(defaults))).isEqualTo(defaults);
        assertThat(MirrorSpecJson.write(MirrorSpecJson.read(MirrorSpecJson.write(ORDERS)))).isEqualTo(MirrorSpecJson.write(ORDERS));
    }

    @Test
    void shouldWriteTheStoredPropertyNames() {
        assertThat(MirrorSpecJson.write(ORDERS)).isEqualTo("{\"name\":\"orders\",\"source\":\"shop\",\"destination\":\"warehouse\","
                + "\"tables\":[{\"source\":\"public.orders\",\"destination\":\"public.orders\",\"exclude\":[]},"
                + "{\"source\":\"public.customers\",\"destination\":\"crm.customers\",\"exclude\":[\"email\",\"phone\"]}],"
                + "\"initialLoad\":false,\"batchSize\":5000,\"idleTimeoutMillis\":1500,"
                + "\"snapshot\":{\"rowsPerPartition\":100000,\"parallelism\":8},"
                + "\"retry\":{\"initialIntervalMillis\":500,\"backoffCoefficient\":1.5,"
                + "\"maximumIntervalMillis\":30000,\"maximumAttempts\":20},"
                + "\"sourceOptions\":{\"slot\":\"orders_slot\",\"publication\":\"shop_pub\"},"
                + "\"batchLingerMillis\":5,\"batchBytes\":33554432}");
    }

    @Test
    void shouldReadASpecStoredWithTheSlotAndPublicationAtTheTopLevel() {
        MirrorSpec spec = MirrorSpecJson.read("{\"name\":\"orders\",\"source\":\"shop\",\"destination\":\"warehouse\","
                + "\"tables\":[{\"source\":\"public.orders\"},{\"source\":\"public.customers\","
                + "\"destination\":\"crm.customers\",\"exclude\":[\"email\",\"phone\"]}],"
                + "\"initialLoad\":false,\"batchSize\":5000,\"idleTimeoutMillis\":1500,"
                + "\"snapshot\":{\"rowsPerPartition\":100000,\"parallelism\":8},"
                + "\"retry\":{\"initialIntervalMillis\":500,\"backoffCoefficient\":1.5,"
                + "\"maximumIntervalMillis\":30000,\"maximumAttempts\":20},"
                + "\"slot\":\"orders_slot\",\"publication\":\"shop_pub\"}");

        assertThat(spec).isEqualTo(ORDERS);
        assertThat(spec.slot()).isEqualTo("orders_slot");
        assertThat(spec.publication()).isEqualTo("shop_pub");
    }

    @Test
    void shouldRefuseAStoredSpecThatNamesAnOptionTwiceWithDifferentValues() {
        assertThatThrownBy(() -> MirrorSpecJson.read("{\"name\":\"orders\",\"source\":\"shop\",\"destination\":"
                + "\"warehouse\",\"tables\":[{\"source\":\"public.orders\"}],\"slot\":\"old_slot\","
                + "\"sourceOptions\":{\"slot\":\"new_slot\"}}"))
                .isInstanceOf(MirrorSpecJson.UnreadableSpecException.class)
                .hasMessage("stored mirror spec is not valid: mirror orders names its slot twice, as slot old_slot and"
                        + " as sourceOptions.slot new_slot; keep only sourceOptions.slot; recreate the mirror from its spec"
                        + " file");
    }

    @Test
    void shouldReadASpecStoredBeforeQuotedNamesWereSupported() {
        MirrorSpec spec = MirrorSpecJson.read("{\"name\":\"orders\",\"source\":\"shop\",\"destination\":"
                + "\"warehouse\",\"tables\":[{\"source\":\"public.orders\",\"destination\":\"crm.2024_orders\","
                + "\"exclude\":[\"email\"]}]}");
        assertThat(spec.tables()).containsExactly(new TableSpec("public.orders", "crm.2024_orders", List.of("email")));
    }

    @Test
    void shouldReadStoredJsonThatLacksOptionalPropertiesWithTheirDefaults() {
        MirrorSpec spec = MirrorSpecJson.read(
                "{\"name\":\"orders\",\"source\":\"shop\",\"destination\":\"warehouse\",\"tables\":[{\"source\":\"public.orders\"}]}");

        assertThat(spec).isEqualTo(MirrorSpec.withDefaults("orders", "shop", "warehouse", List.of(TableSpec.of("public.orders"))));
    }

    @Test
    void shouldRejectStoredJsonThatIsNotAValidSpec() {
        assertThatThrownBy(() -> MirrorSpecJson.read(
                "{\"name\":\"orders\",\"source\":\"shop\",\"destination\":\"shop\",\"tables\":[{\"source\":\"public.orders\"}]}"))
                .isInstanceOf(MirrorSpecJson.UnreadableSpecException.class)
                .hasMessageStartingWith("stored mirror spec is not valid: mirror orders has peer shop as both source and destination")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> MirrorSpecJson.read(
                "{\"name\":\"orders\",\"source\":\"shop\",\"destination\":\"warehouse\",\"tables\":[{\"source\":\"public.orders\"}],"
                        + "\"futureSetting\":1}"))
                .isInstanceOf(MirrorSpecJson.UnreadableSpecException.class)
                .hasMessageStartingWith("stored mirror spec is not valid: Unrecognized field \"futureSetting\"")
                .hasMessageNotContaining("\n");
    }
}
