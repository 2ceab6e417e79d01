package dev.mirrorflow.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SpecEditTest {

    private static final MirrorSpec BASE = MirrorSpec.withDefaults("orders", "src", "dst",
            List.of(TableSpec.of("public.orders"), new TableSpec("public.items", "archive.items", List.of("secret"))));

    private static MirrorSpec with(List<TableSpec> tables, int batchSize, long idleMillis) {
        return new MirrorSpec("orders", "src", "dst", tables, true, batchSize, idleMillis, SnapshotSpec.DEFAULTS,
                RetrySettings.DEFAULT, SourceOptions.NONE);
    }

    @Test
    void shouldListTheTablesAddedAndRemovedAndTheNewSettings() {
        SpecEdit edit = SpecEdit.between(BASE, with(List.of(new TableSpec("public.items", "archive.items",
                List.of("secret")), TableSpec.of("public.notes"), TableSpec.of("sales.\"Big Orders\"")), 500, 200));

        assertThat(edit.addedTables()).containsExactly("public.notes", "sales.\"Big Orders\"");
        assertThat(edit.removedTables()).containsExactly("public.orders");
        assertThat(edit.loadsRows()).isTrue();
        assertThat(edit.batchSize()).isEqualTo(500);
        assertThat(edit.idleTimeoutMillis()).isEqualTo(200);
        assertThat(edit.description()).isEqualTo("add public.notes, sales.\"Big Orders\" (loaded first); remove"
                + " public.orders; batch size 10000 -> 500; idle timeout 5s -> 200ms");
    }

    @Test
    void shouldSayTheBatchBytesChangeInTheUnitsASpecWrites() {
        MirrorSpec wider = new MirrorSpec("orders", "src", "dst", BASE.tables(), true, BASE.batchSize(),
                BASE.idleTimeoutMillis(), SnapshotSpec.DEFAULTS, RetrySettings.DEFAULT, SourceOptions.NONE,
                BASE.batchLingerMillis(), 1536L << 10);
        assertThat(SpecEdit.between(BASE, wider).description()).isEqualTo("batch bytes 32MB -> 1536kB");
    }

    @Test
    void shouldSeeNothingToChangeInTheSameSpecWhateverTheOrderOfTablesAndExclusions() {
        MirrorSpec reordered = with(List.of(new TableSpec("public.items", "archive.items", List.of("secret")),
                TableSpec.of("public.orders")), BASE.batchSize(), BASE.idleTimeoutMillis());
        assertThat(SpecEdit.between(BASE, reordered).isEmpty()).isTrue();
        assertThat(SpecEdit.between(BASE, BASE).description()).isEmpty();
    }

    @Test
    void shouldRefuseWhatAMirrorCannotChangeInOneLine() {
        List<TableSpec> tables = BASE.tables();
        assertThatThrownBy(() -> SpecEdit.between(BASE, MirrorSpec.withDefaults("orders", "other", "dst", tables)))
                .hasMessage("the source peer of a mirror cannot change (src -> other): a mirror reads one source;"
                        + " create a new mirror for another");
        assertThatThrownBy(() -> SpecEdit.between(BASE, MirrorSpec.withDefaults("other", "src", "dst", tables)))
                .hasMessageStartingWith("the spec is of mirror other, not orders");
        assertThatThrownBy(() -> SpecEdit.between(BASE, new MirrorSpec("orders", "src", "dst", tables, true, 10_000,
                5_000, SnapshotSpec.DEFAULTS, RetrySettings.DEFAULT, new SourceOptions("another_slot", null))))
                .hasMessageStartingWith("the replication slot of a mirror cannot change (mirrorflow_orders -> another_slot)");
        assertThatThrownBy(() -> SpecEdit.between(BASE, new MirrorSpec("orders", "src", "dst", tables, true, 10_000,
                5_000, SnapshotSpec.DEFAULTS, RetrySettings.DEFAULT, new SourceOptions(null, "shared_pub"))))
                .hasMessageStartingWith("the publication of a mirror cannot change (mirrorflow_orders -> shared_pub)");
        assertThatThrownBy(() -> SpecEdit.between(BASE, new MirrorSpec("orders", "src", "dst", tables, false, 10_000,
                5_000, SnapshotSpec.DEFAULTS, RetrySettings.DEFAULT, SourceOptions.NONE)))
                .hasMessageStartingWith("initialLoad cannot change (true -> false)");
        assertThatThrownBy(() -> SpecEdit.between(BASE, with(List.of(TableSpec.of("public.orders"),
                TableSpec.of("public.items")), 10_000, 5_000)))
                .hasMessageStartingWith("table public.items would move from destination archive.items to public.items;");
        assertThatThrownBy(() -> SpecEdit.between(BASE, with(List.of(TableSpec.of("public.orders"),
                new TableSpec("public.items", "archive.items", List.of())), 10_000, 5_000)))
                .hasMessageStartingWith("the excluded columns of table public.items would change ([secret] -> [])");
    }

    @Test
    void shouldSeeNoChangeWhenASpecNamesTheDefaultSlotAndPublicationThatAnotherLeavesOut() {
        // Specs stored before sourceOptions existed always carry both names, the defaults filled in.
        MirrorSpec stored = new MirrorSpec("orders", "src", "dst", BASE.tables(), true, 10_000, 5_000,
                SnapshotSpec.DEFAULTS, RetrySettings.DEFAULT, new SourceOptions("mirrorflow_orders", "mirrorflow_orders"));

        assertThat(SpecEdit.between(stored, BASE).isEmpty()).isTrue();
        assertThat(SpecEdit.between(BASE, stored).isEmpty()).isTrue();
    }

    @Test
    void shouldNotLoadTheAddedTablesOfAMirrorWithoutInitialLoad() {
        MirrorSpec noLoad = new MirrorSpec("orders", "src", "dst", List.of(TableSpec.of("public.orders")), false, 10_000,
                5_000, SnapshotSpec.DEFAULTS, RetrySettings.DEFAULT, SourceOptions.NONE);
        MirrorSpec added = new MirrorSpec("orders", "src", "dst", List.of(TableSpec.of("public.orders"),
                TableSpec.of("public.notes")), false, 10_000, 5_000, SnapshotSpec.DEFAULTS,
                new RetrySettings(500, 1.5, 10_000, 3), SourceOptions.NONE);
        SpecEdit edit = SpecEdit.between(noLoad, added);
        assertThat(edit.loadsRows()).isFalse();
        assertThat(edit.retry()).isEqualTo(new RetrySettings(500, 1.5, 10_000, 3));
        assertThat(edit.description()).isEqualTo("add public.notes (not loaded); retry (1s x2.0 up to 60s, unlimited"
                + " attempts) -> (500ms x1.5 up to 10s, 3 attempts)");
    }

    @Test
    void shouldTravelThroughTemporalsDataConverterInsideTheMirrorsState() {
        var temporal = io.temporal.common.converter.DefaultDataConverter.newDefaultInstance();
        SpecEdit edit = SpecEdit.between(BASE, with(List.of(TableSpec.of("public.orders"),
                new TableSpec("public.items", "archive.items", List.of("secret")), TableSpec.of("public.notes")), 7, 900));
        MirrorState state = MirrorState.resumeAfterFailure(2, 10, 1000, RetrySettings.DEFAULT, 5).withPendingEdit(edit);
        var payload = temporal.toPayload(state).orElseThrow();
        assertThat(temporal.fromPayload(payload, MirrorState.class, MirrorState.class)).isEqualTo(state);
        // A state written before edits and maintenance holds existed reads with neither.
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode written;
        try {
            written = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(payload.getData().toStringUtf8());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        written.remove(List.of("pendingEdit", "maintenanceRunId"));
        var oldPayload = payload.toBuilder().setData(com.google.protobuf.ByteString.copyFromUtf8(written.toString()))
                .build();
        MirrorState old = temporal.fromPayload(oldPayload, MirrorState.class, MirrorState.class);
        assertThat(old.pendingEdit()).isNull();
        assertThat(old.maintenanceRunId()).isZero();
        assertThat(old.withPendingEdit(edit)).isEqualTo(state);
    }
}
