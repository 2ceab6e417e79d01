package dev.mirrorflow.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The source tables mirrors follow by identity, and the schema changes in their history. */
class SourceTableRepositoryIT extends CatalogFixture {

    @BeforeAll
    static void peers() {
        catalog.peers().create(peer("st_src"));
        catalog.peers().create(peer("st_dst"));
    }

    @Test
    void shouldKeepTheFirstIdentityRecordedForATable() {
        MirrorRow m = newMirror("st_first", "st_src", "st_dst");

        assertThat(catalog.sourceTables().recordIfAbsent(m.id(), "public.t", 16384, "public.t")).isTrue();
        assertThat(catalog.sourceTables().recordIfAbsent(m.id(), "public.t", 99999, "public.other")).isFalse();

        assertThat(catalog.sourceTables().list(m.id())).singleElement().satisfies(t -> {
            assertThat(t.relationOid()).isEqualTo(16384);
            assertThat(t.currentName()).isEqualTo("public.t");
            assertThat(t.renamedAt()).isNull();
        });
    }

    @Test
    void shouldRecordARenameOnceWithTheNameTheNextStreamComparesWith() {
        MirrorRow m = newMirror("st_rename", "st_src", "st_dst");
        catalog.sourceTables().recordIfAbsent(m.id(), "public.t", 16384, "public.t");

        String reason = "source table public.t was renamed to public.t2 at the source";
        assertThat(catalog.sourceTables().recordRename(m.id(), "public.t", "public.t", "public.t2", reason, "k1"))
                .isTrue();
        assertThat(catalog.sourceTables().recordRename(m.id(), "public.t", "public.t", "public.t2", reason, "k1"))
                .as("noticed again, by a replayed batch").isFalse();

        assertThat(catalog.sourceTables().list(m.id())).singleElement().satisfies(t -> {
            assertThat(t.currentName()).isEqualTo("public.t2");
            assertThat(t.renamedAt()).isNotNull();
        });
        assertThat(catalog.mirrors().schemaChanges(m.id(), 10)).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(MirrorEvent.Kind.SCHEMA);
            assertThat(e.reason()).isEqualTo(reason);
            assertThat(e.details()).contains("\"change\": \"TABLE_RENAMED\"").contains("\"from\": \"public.t\"")
                    .contains("\"to\": \"public.t2\"");
        });
    }

    @Test
    void shouldListSchemaChangesNewestFirstAndOnlyThem() {
        MirrorRow m = newMirror("st_changes", "st_src", "st_dst");
        catalog.mirrors().recordEvent(m.id(), MirrorEvent.Kind.INFO, "not a schema change", null, null);
        assertThat(catalog.mirrors().recordSchemaChange(m.id(), "public.t", "COLUMN_DROPPED", "a \"quoted\" one", null,
                "column a dropped", "d1")).isTrue();
        assertThat(catalog.mirrors().recordSchemaChange(m.id(), "public.t", "COLUMN_DROPPED", "b", null,
                "column b dropped", "d2")).isTrue();
        assertThat(catalog.mirrors().recordSchemaChange(m.id(), "public.t", "COLUMN_DROPPED", "b", null,
                "column b dropped", "d2")).isFalse();

        assertThat(catalog.mirrors().schemaChanges(m.id(), 10)).extracting(MirrorEvent::reason)
                .containsExactly("column b dropped", "column a dropped");
        assertThat(catalog.mirrors().schemaChanges(m.id(), 10).get(1).details())
                .contains("\"from\": \"a \\\"quoted\\\" one\"").contains("\"to\": null");
    }

    @Test
    void shouldForgetAMirrorsTablesForAResync() {
        MirrorRow m = newMirror("st_forget", "st_src", "st_dst");
        catalog.sourceTables().recordIfAbsent(m.id(), "public.t", 16384, "public.t");

        catalog.sourceTables().forget(m.id());

        assertThat(catalog.sourceTables().list(m.id())).isEmpty();
    }
}
