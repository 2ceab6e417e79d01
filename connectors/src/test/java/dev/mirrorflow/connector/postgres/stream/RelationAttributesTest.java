package dev.mirrorflow.connector.postgres.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.connector.ExistingRows;
import dev.mirrorflow.connector.postgres.pgoutput.RelationColumn;
import dev.mirrorflow.connector.postgres.pgoutput.RelationMessage;
import dev.mirrorflow.connector.postgres.pgoutput.ReplicaIdentity;
import dev.mirrorflow.connector.postgres.stream.RelationAttributes.Attribute;
import dev.mirrorflow.connector.postgres.stream.RelationAttributes.CatalogAttribute;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Matching a Relation message's columns (the table then) to the catalog's attributes (the table now). */
class RelationAttributesTest {

    @Test
    void shouldMatchColumnsByNameWhenNothingWasRenamed() {
        assertThat(numbers(message("id", "qty", "note"), live("id", "qty", "note"))).containsExactly("1 id", "2 qty",
                "3 note");
    }

    @Test
    void shouldNameAColumnRenamedSinceTheMessageAsItIsCalledNow() {
        assertThat(numbers(message("id", "qty", "note"), live("id", "quantity", "note")))
                .containsExactly("1 id", "2 quantity", "3 note");
        assertThat(numbers(message("id", "qty"), live("id", "quantity"))).containsExactly("1 id", "2 quantity");
    }

    @Test
    void shouldMatchARenamedColumnPastAColumnDroppedBeforeTheMessage() {
        List<CatalogAttribute> catalog = live("id", "gone", "qty", "note");
        catalog.set(1, new CatalogAttribute(2, "........pg.dropped.2........", true, ExistingRows.NULL));
        assertThat(numbers(message("id", "qty", "note"), rename(catalog, 2, "quantity")))
                .containsExactly("1 id", "3 quantity", "4 note");
    }

    @Test
    void shouldNotGuessWhenTheColumnMayHaveBeenDroppedOrRenamed() {
        // qty was renamed and a column added, or qty was dropped and one added: the catalog cannot tell.
        List<CatalogAttribute> catalog = live("id", "qty", "other");
        catalog.set(1, new CatalogAttribute(2, "........pg.dropped.2........", true, ExistingRows.NULL));
        List<Attribute> attributes = RelationAttributes.match(message("id", "qty"), catalog, true);
        assertThat(attributes.get(1).number()).isZero();
        assertThat(attributes.get(1).existingRows().kind()).isEqualTo(ExistingRows.Kind.UNKNOWN);
        assertThat(attributes.get(1).existingRows().reason()).contains("column qty of source table public.t");
    }

    @Test
    void shouldIgnoreColumnsAddedAfterTheMessage() {
        assertThat(numbers(message("id", "qty"), live("id", "qty", "added"))).containsExactly("1 id", "2 qty");
        assertThat(numbers(message("id", "qty"), live("id", "quantity", "added")))
                .containsExactly("1 id", "2 quantity");
    }

    @Test
    void shouldMatchByNameAloneWhenThePublicationListsSomeColumns() {
        // A column list publishes id and qty only: note, after them, is not the renamed qty.
        List<Attribute> attributes = RelationAttributes.match(message("id", "qty"), live("id", "note", "quantity"),
                false);
        assertThat(attributes.get(1).number()).isZero();
    }

    private static List<String> numbers(RelationMessage m, List<CatalogAttribute> catalog) {
        return RelationAttributes.match(m, catalog, true).stream().map(a -> a.number() + " " + a.name()).toList();
    }

    private static RelationMessage message(String... columns) {
        return new RelationMessage(0, 1, "public", "t", ReplicaIdentity.DEFAULT, Arrays.stream(columns)
                .map(name -> new RelationColumn(name.equals("id"), name, 23, -1)).toList());
    }

    private static List<CatalogAttribute> live(String... names) {
        List<CatalogAttribute> attributes = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            attributes.add(new CatalogAttribute(i + 1, names[i], false, ExistingRows.NULL));
        }
        return attributes;
    }

    private static List<CatalogAttribute> rename(List<CatalogAttribute> catalog, int index, String name) {
        CatalogAttribute a = catalog.get(index);
        catalog.set(index, new CatalogAttribute(a.number(), name, a.dropped(), a.existingRows()));
        return catalog;
    }
}
