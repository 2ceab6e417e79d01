package dev.mirrorflow.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TableIdTest {

    @Test
    void shouldReadBackTheWrittenFormOfAnyExactName() {
        List<TableId> tables = List.of(new TableId("public", "orders"), new TableId("public", "Order Items"),
                new TableId("Sales", "Q1"), new TableId("public", "données"), new TableId("public", "a$b"),
                new TableId("a.b", "say \"hi\""), new TableId("public", "2024_sales"));
        assertThat(tables).extracting(TableId::toString).containsExactly("public.orders", "public.\"Order Items\"",
                "\"Sales\".\"Q1\"", "public.\"données\"", "public.\"a$b\"", "\"a.b\".\"say \"\"hi\"\"\"", "public.2024_sales");
        assertThat(tables).allSatisfy(t -> assertThat(TableId.parse(t.toString())).isEqualTo(t));
    }

    @Test
    void shouldParseLikePostgresAndQuoteEveryNameForSql() {
        assertThat(TableId.parse("Orders")).isEqualTo(new TableId("public", "orders"));
        assertThat(TableId.parse("\"Sales\".Q1")).isEqualTo(new TableId("Sales", "q1"));
        assertThat(new TableId("a.b", "say \"hi\"").quoted()).isEqualTo("\"a.b\".\"say \"\"hi\"\"\"");
        assertThatThrownBy(() -> TableId.parse("a.b.c")).hasMessageContaining("more than two parts");
        assertThatThrownBy(() -> TableId.parse("\"open")).hasMessageContaining("a double quote is not closed");
    }
}
