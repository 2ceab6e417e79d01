package dev.mirrorflow.connector.postgres.stream;

import dev.mirrorflow.connector.ExistingRows;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.postgres.setup.ExistingRowsReading;
import dev.mirrorflow.connector.postgres.pgoutput.RelationMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a Relation message does not say about its columns, read from the source's catalog: each
 * column's attribute number (which a rename keeps), its name now, and what the rows it was added
 * to read in it.
 *
 * <p>The message describes the table as it was when the change was written, the catalog as it is
 * now, and a column may have been renamed or dropped in between. A Relation message lists the
 * live, non-generated columns of its time in attribute order, so its columns are a subsequence of
 * the catalog's attributes (dropped ones included): columns are matched by name first, in order,
 * and a run of columns whose name the catalog no longer has is matched by position when the
 * attributes between its matched neighbours leave only one way to do so. A column matched in
 * neither way has attribute number 0 and unknown existing rows, so that a destination that would
 * have to add it says so rather than guess. A publication with a column list sends only some
 * columns, so for a table published with one, columns are matched by name alone.
 */
final class RelationAttributes {

    private static final String ATTRIBUTES = """
            SELECT a.attnum, a.attname, a.attisdropped, %s
              FROM pg_attribute a
              LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
              %s
             WHERE a.attrelid = ?::oid AND a.attnum > 0 AND a.attgenerated = ''
             ORDER BY a.attnum""".formatted(ExistingRowsReading.COLUMNS, ExistingRowsReading.JOIN);

    // Through JSON, so that a server before PostgreSQL 15 (no column lists, no prattrs) answers too.
    private static final String PUBLISHED_WITH_COLUMN_LIST = """
            SELECT EXISTS (SELECT FROM pg_publication_rel r
                            WHERE r.prrelid = ?::oid AND row_to_json(r)->>'prattrs' IS NOT NULL)""";

    /** A message column as the catalog knows it now; attribute number 0 when it does not. */
    record Attribute(int number, String name, ExistingRows existingRows) {}

    /** A non-generated attribute of the relation as the catalog has it now, dropped ones included. */
    record CatalogAttribute(int number, String name, boolean dropped, ExistingRows existingRows) {}

    private final Connection connection;

    RelationAttributes(Connection connection) {
        this.connection = connection;
    }

    /** The message's columns, in its order, as the catalog knows them now. */
    List<Attribute> of(RelationMessage m) {
        return match(m, read(m.relationOid()), !publishedWithColumnList(m.relationOid()));
    }

    /**
     * Matches the message's columns to the relation's catalog attributes, in attribute order.
     *
     * @param allColumns whether the message lists every live column of its time (no column list)
     */
    static List<Attribute> match(RelationMessage m, List<CatalogAttribute> catalog, boolean allColumns) {
        Map<String, Integer> live = new HashMap<>();
        for (int i = 0; i < catalog.size(); i++) {
            if (!catalog.get(i).dropped()) {
                live.put(catalog.get(i).name(), i);
            }
        }
        int columns = m.columns().size();
        int[] matched = new int[columns];
        int last = -1;
        for (int i = 0; i < columns; i++) {
            Integer at = live.get(m.columns().get(i).name());
            matched[i] = at != null && at > last ? at : -1;
            last = Math.max(last, matched[i]);
        }
        for (int start = 0; allColumns && start < columns; start++) {
            if (matched[start] >= 0) {
                continue;
            }
            int end = start;
            while (end < columns && matched[end] < 0) {
                end++;
            }
            matchByPosition(catalog, matched, start, end);
            start = end;
        }
        List<Attribute> attributes = new ArrayList<>(columns);
        for (int i = 0; i < columns; i++) {
            String name = m.columns().get(i).name();
            if (matched[i] < 0) {
                attributes.add(new Attribute(0, name, ExistingRows.unknown("column " + name + " of source table "
                        + new TableId(m.namespace(), m.name()) + " is no longer in the source's catalog under that name"
                        + " (renamed or dropped since the change was made)")));
            } else {
                CatalogAttribute a = catalog.get(matched[i]);
                attributes.add(new Attribute(a.number(), a.name(), a.existingRows()));
            }
        }
        return attributes;
    }

    /**
     * Matches the message columns {@code start} to {@code end} (exclusive), which the catalog has
     * under no name, to the attributes between their matched neighbours. Every attribute there
     * that is live now was live then, so was in the message: between two matched columns, as
     * many live attributes as columns means those are the columns, renamed. After the last
     * matched column, attributes added since follow the message's; the run's attributes come
     * first, so they are known when none of the first is dropped.
     */
    private static void matchByPosition(List<CatalogAttribute> catalog, int[] matched, int start, int end) {
        int from = start == 0 ? 0 : matched[start - 1] + 1;
        int to = end < matched.length ? matched[end] : catalog.size();
        List<Integer> live = new ArrayList<>();
        for (int i = from; i < to; i++) {
            if (!catalog.get(i).dropped()) {
                live.add(i);
            }
        }
        int run = end - start;
        boolean tail = end == matched.length;
        boolean known = tail ? to - from >= run && live.size() >= run && live.get(run - 1) == from + run - 1
                : live.size() == run;
        if (known) {
            for (int i = 0; i < run; i++) {
                matched[start + i] = live.get(i);
            }
        }
    }

    private boolean publishedWithColumnList(int relationOid) {
        try (PreparedStatement ps = connection.prepareStatement(PUBLISHED_WITH_COLUMN_LIST)) {
            ps.setLong(1, Integer.toUnsignedLong(relationOid));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the publications of relation oid "
                    + Integer.toUnsignedLong(relationOid) + " from the source's catalog: " + e.getMessage(), e);
        }
    }

    private List<CatalogAttribute> read(int relationOid) {
        List<CatalogAttribute> attributes = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(ATTRIBUTES)) {
            ps.setLong(1, Integer.toUnsignedLong(relationOid));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(2);
                    attributes.add(new CatalogAttribute(rs.getInt(1), name, rs.getBoolean(3),
                            ExistingRowsReading.of(name, rs.getBoolean(4), rs.getString(5), rs.getBoolean(6),
                                    rs.getString(7))));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the columns of relation oid "
                    + Integer.toUnsignedLong(relationOid) + " from the source's catalog: " + e.getMessage(), e);
        }
        return attributes;
    }
}
