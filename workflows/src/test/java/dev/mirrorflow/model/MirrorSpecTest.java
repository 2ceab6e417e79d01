package dev.mirrorflow.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MirrorSpecTest {

    private static final MirrorSpec ORDERS = new MirrorSpec("orders", "shop", "warehouse",
            List.of(TableSpec.of("public.orders"),
                    new TableSpec("public.customers", "crm.customers", List.of("email", "phone"))),
            false, 5000, 1500, new SnapshotSpec(100_000, 8), new RetrySettings(500, 1.5, 30_000, 20),
            new SourceOptions("orders_slot", "shop_pub"));

    private final DataConverter temporal = DefaultDataConverter.newDefaultInstance();

    @Test
    void shouldRoundTripThroughTemporalsDefaultDataConverterUnchanged() {
        Payload payload = temporal.toPayload(ORDERS).orElseThrow();

        assertThat(temporal.fromPayload(payload, MirrorSpec.class, MirrorSpec.class)).isEqualTo(ORDERS);
        assertThat(temporal.fromPayload(payload, MirrorSpec.class, MirrorSpec.class).idleTimeout())
                .isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void shouldSerialiseDeterministicallyWithTheIdleTimeoutInMilliseconds() {
        Optional<Payload> first = temporal.toPayload(ORDERS);
        Optional<Payload> again = temporal.toPayload(temporal.fromPayload(first.orElseThrow(), MirrorSpec.class, MirrorSpec.class));
        String json = first.orElseThrow().getData().toString(StandardCharsets.UTF_8);

        assertThat(again).isEqualTo(first);
        assertThat(json)
                .isEqualTo("{\"name\":\"orders\",\"source\":\"shop\",\"destination\":\"warehouse\",\"tables\":["
                        + "{\"source\":\"public.orders\",\"destination\":\"public.orders\",\"exclude\":[]},"
                        + "{\"source\":\"public.customers\",\"destination\":\"crm.customers\",\"exclude\":[\"email\",\"phone\"]}],"
                        + "\"initialLoad\":false,\"batchSize\":5000,\"idleTimeoutMillis\":1500,"
                        + "\"snapshot\":{\"rowsPerPartition\":100000,\"parallelism\":8},"
                        + "\"retry\":{\"initialIntervalMillis\":500,\"backoffCoefficient\":1.5,"
                        + "\"maximumIntervalMillis\":30000,\"maximumAttempts\":20},"
                        + "\"sourceOptions\":{\"slot\":\"orders_slot\",\"publication\":\"shop_pub\"},"
                        + "\"batchLingerMillis\":5,\"batchBytes\":33554432}");
    }

    @Test
    void shouldReadASpecStoredBeforeRetrySettingsExistedWithTheDefaults() {
        String stored = "{\"name\":\"orders\",\"source\":\"shop\",\"destination\":\"warehouse\",\"tables\":["
                + "{\"source\":\"public.orders\",\"destination\":\"public.orders\",\"exclude\":[]}],"
                + "\"initialLoad\":false,\"batchSize\":5000,\"idleTimeoutMillis\":1500,"
                + "\"snapshot\":{\"rowsPerPartition\":100000,\"parallelism\":8}}";
        Payload payload = Payload.newBuilder()
                .putMetadata("encoding", com.google.protobuf.ByteString.copyFromUtf8("json/plain"))
                .setData(com.google.protobuf.ByteString.copyFromUtf8(stored)).build();

        MirrorSpec spec = temporal.fromPayload(payload, MirrorSpec.class, MirrorSpec.class);

        assertThat(spec.retry()).isEqualTo(RetrySettings.DEFAULT);
        assertThat(spec.slot()).isEqualTo("mirrorflow_orders");
        assertThat(spec.publication()).isEqualTo("mirrorflow_orders");
        assertThat(spec.hasDefaultPublication()).isTrue();
        assertThat(spec.batchSize()).isEqualTo(5000);
    }

    @Test
    void shouldRoundTripTheDefaultsAndAPartOfTheSpecThroughTemporal() {
        MirrorSpec defaults = MirrorSpec.withDefaults("orders", "shop", "warehouse", List.of(TableSpec.of("public.orders")));
        TableSpec customers = ORDERS.tables().get(1);

        assertThat(temporal.fromPayload(temporal.toPayload(defaults).orElseThrow(), MirrorSpec.class, MirrorSpec.class))
                .isEqualTo(defaults);
        assertThat(temporal.fromPayload(temporal.toPayload(customers).orElseThrow(), TableSpec.class, TableSpec.class))
                .isEqualTo(customers);
        assertThat(temporal.fromPayload(temporal.toPayload(SnapshotSpec.DEFAULTS).orElseThrow(), SnapshotSpec.class, SnapshotSpec.class))
                .isEqualTo(SnapshotSpec.DEFAULTS);
    }

    @Test
    void shouldGiveEveryOptionalSettingItsDocumentedDefault() {
        MirrorSpec spec = MirrorSpec.withDefaults("orders", "shop", "warehouse", List.of(TableSpec.of("public.orders")));

        assertThat(spec.initialLoad()).isTrue();
        assertThat(spec.batchSize()).isEqualTo(10_000);
        assertThat(spec.idleTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(spec.snapshot()).isEqualTo(new SnapshotSpec(250_000, 4));
        assertThat(spec.retry()).isEqualTo(new RetrySettings(1_000, 2.0, 60_000, 0));
        assertThat(spec.tables().get(0)).isEqualTo(new TableSpec("public.orders", "public.orders", List.of()));
    }

    @Test
    void shouldNotBeChangeableThroughTheListsItWasBuiltFrom() {
        List<String> exclude = new java.util.ArrayList<>(List.of("email"));
        TableSpec table = new TableSpec("public.customers", "public.customers", exclude);
        exclude.add("phone");

        assertThat(table.exclude()).containsExactly("email");
        assertThatThrownBy(() -> ORDERS.tables().add(TableSpec.of("public.x"))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void shouldRefuseToHoldAnInvalidSpec() {
        List<TableSpec> orders = List.of(TableSpec.of("public.orders"));

        assertThatThrownBy(() -> MirrorSpec.withDefaults("Orders", "shop", "warehouse", orders))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mirror name 'Orders'");
        assertThatThrownBy(() -> MirrorSpec.withDefaults("orders", "shop", "shop", orders))
                .hasMessage("mirror orders has peer shop as both source and destination");
        assertThatThrownBy(() -> MirrorSpec.withDefaults("orders", "shop", "warehouse", List.of()))
                .hasMessage("mirror orders has no tables");
        assertThatThrownBy(() -> MirrorSpec.withDefaults("orders", "shop", "warehouse",
                List.of(TableSpec.of("public.orders"), new TableSpec("public.orders", "x.orders", List.of()))))
                .hasMessage("mirror orders lists source table public.orders twice");
        assertThatThrownBy(() -> MirrorSpec.withDefaults("orders", "shop", "warehouse",
                List.of(TableSpec.of("public.orders"), new TableSpec("x.orders", "public.orders", List.of()))))
                .hasMessage("mirror orders maps both public.orders and x.orders to destination table public.orders");
        assertThatThrownBy(() -> new MirrorSpec("orders", "shop", "warehouse", orders, true, 0, 5000, SnapshotSpec.DEFAULTS,
                RetrySettings.DEFAULT, SourceOptions.NONE))
                .hasMessageContaining("batch size 0");
        assertThatThrownBy(() -> new MirrorSpec("orders", "shop", "warehouse", orders, true, 1, 99, SnapshotSpec.DEFAULTS,
                RetrySettings.DEFAULT, SourceOptions.NONE))
                .hasMessageContaining("idle timeout 99 ms");
        assertThatThrownBy(() -> new SourceOptions("Orders-Slot", null))
                .hasMessage("replication slot name 'Orders-Slot' does not match [a-z0-9_]{1,63}");
        assertThatThrownBy(() -> new SourceOptions(null, ""))
                .hasMessage("publication name '' does not match [a-z0-9_]{1,63}");
        assertThatThrownBy(() -> new MirrorSpec("orders", "shop", "warehouse", orders, true, 1, 5000, SnapshotSpec.DEFAULTS,
                RetrySettings.DEFAULT, null))
                .isInstanceOf(NullPointerException.class).hasMessage("sourceOptions");
        assertThatThrownBy(() -> new SnapshotSpec(999, 4)).hasMessageContaining("rowsPerPartition 999");
        assertThatThrownBy(() -> new SnapshotSpec(1000, 65)).hasMessageContaining("parallelism 65");
        assertThatThrownBy(() -> TableSpec.of("orders")).hasMessageContaining("source table 'orders' is not schema.table");
        assertThatThrownBy(() -> new TableSpec("public.orders", "public.orders", List.of("email", "email")))
                .hasMessageContaining("column 'email' of public.orders is excluded twice");
    }

    private MirrorSpec readStored(String json) {
        Payload payload = Payload.newBuilder()
                .putMetadata("encoding", com.google.protobuf.ByteString.copyFromUtf8("json/plain"))
                .setData(com.google.protobuf.ByteString.copyFromUtf8(json)).build();
        return temporal.fromPayload(payload, MirrorSpec.class, MirrorSpec.class);
    }

    private static final String STORED_HEAD = "{\"name\":\"orders\",\"source\":\"shop\",\"destination\":\"warehouse\","
            + "\"tables\":[{\"source\":\"public.orders\",\"destination\":\"public.orders\",\"exclude\":[]}]";

    @Test
    void shouldReadTheSlotAndPublicationOfASpecStoredBeforeSourceOptionsExisted() {
        MirrorSpec spec = readStored(STORED_HEAD + ",\"slot\":\"orders_slot\",\"publication\":\"shop_pub\"}");

        assertThat(spec.sourceOptions()).isEqualTo(new SourceOptions("orders_slot", "shop_pub"));
        assertThat(spec.slot()).isEqualTo("orders_slot");
        assertThat(spec.publication()).isEqualTo("shop_pub");
        assertThat(spec.hasDefaultPublication()).isFalse();
        // Written again, it takes the new form, and reads back the same.
        String rewritten = temporal.toPayload(spec).orElseThrow().getData().toStringUtf8();
        assertThat(rewritten).endsWith("\"sourceOptions\":{\"slot\":\"orders_slot\",\"publication\":\"shop_pub\"},"
                + "\"batchLingerMillis\":5,\"batchBytes\":33554432}")
                .doesNotContain(",\"slot\"");
        assertThat(readStored(rewritten)).isEqualTo(spec);
    }

    @Test
    void shouldReadTheOldAndTheNewFormOfOneOptionWhenBothSayTheSame() {
        MirrorSpec spec = readStored(STORED_HEAD + ",\"slot\":\"orders_slot\",\"sourceOptions\":{\"slot\":\"orders_slot\"}}");

        assertThat(spec.slot()).isEqualTo("orders_slot");
        assertThat(spec.publication()).isEqualTo("mirrorflow_orders");
        assertThat(spec.sourceOptions().keys()).containsExactly("slot");
    }

    @Test
    void shouldRefuseAStoredSpecThatNamesAnOptionTwiceWithDifferentValues() {
        assertThatThrownBy(() -> readStored(STORED_HEAD
                + ",\"slot\":\"old_slot\",\"sourceOptions\":{\"slot\":\"new_slot\"}}"))
                .rootCause()
                .hasMessage("mirror orders names its slot twice, as slot old_slot and as sourceOptions.slot new_slot;"
                        + " keep only sourceOptions.slot");
        assertThatThrownBy(() -> readStored(STORED_HEAD
                + ",\"publication\":\"a\",\"sourceOptions\":{\"publication\":\"b\"}}"))
                .rootCause()
                .hasMessageStartingWith("mirror orders names its publication twice");
    }

    @Test
    void shouldWriteOnlyTheSourceOptionsTheUserSet() {
        MirrorSpec defaults = MirrorSpec.withDefaults("orders", "shop", "warehouse", List.of(TableSpec.of("public.orders")));
        String json = temporal.toPayload(defaults).orElseThrow().getData().toStringUtf8();

        assertThat(json).endsWith("\"sourceOptions\":{},\"batchLingerMillis\":5,\"batchBytes\":33554432}");
        assertThat(defaults.sourceOptions().keys()).isEmpty();
        assertThat(defaults.slot()).isEqualTo("mirrorflow_orders");
        assertThat(defaults.publication()).isEqualTo("mirrorflow_orders");
        assertThat(defaults.hasDefaultPublication()).isTrue();
    }

    @Test
    void shouldTellASourceWhichOptionsItDoesNotTake() {
        SourceOptions both = new SourceOptions("orders_slot", "shop_pub");

        assertThat(both.keys()).containsExactly("slot", "publication");
        assertThat(both.firstKeyNotIn(List.of())).contains("slot");
        assertThat(new SourceOptions(null, "shop_pub").firstKeyNotIn(List.of())).contains("publication");
        assertThat(both.firstKeyNotIn(SourceOptions.POSTGRES_KEYS)).isEmpty();
        assertThat(SourceOptions.NONE.firstKeyNotIn(List.of())).isEmpty();
    }

    @Test
    void shouldRefuseAnUnknownSourceOption() {
        assertThatThrownBy(() -> new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .readValue(STORED_HEAD + ",\"sourceOptions\":{\"resumeToken\":\"x\"}}", MirrorSpec.class))
                .hasMessageContaining("Unrecognized field \"resumeToken\"");
    }
}
