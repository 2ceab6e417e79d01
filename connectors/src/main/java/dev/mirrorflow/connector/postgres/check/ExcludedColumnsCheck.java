package dev.mirrorflow.connector.postgres.check;

import dev.mirrorflow.connector.ColumnSchema;
import dev.mirrorflow.connector.MirrorCheckException;
import dev.mirrorflow.connector.NameSuggestions;
import dev.mirrorflow.connector.TableId;
import dev.mirrorflow.connector.TableSchema;
import dev.mirrorflow.connector.postgres.peer.PostgresPeer;
import dev.mirrorflow.connector.postgres.SourceFailureClassifier;
import dev.mirrorflow.connector.postgres.SourceOperation;
import dev.mirrorflow.connector.postgres.setup.SourceSchemaReader;
import dev.mirrorflow.model.MirrorSpec;
import dev.mirrorflow.model.TableSpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks, before {@code mirror create} writes anything, that every column a spec excludes exists
 * in its source table and may be left behind: not a column of the key that identifies the rows
 * (the primary key, or the REPLICA IDENTITY USING INDEX index), since changes are applied by that
 * key, and not a column that a copied generated column is computed from, since the destination
 * computes generated columns itself and could not create one whose input is missing. Without
 * this, the mirror would fail at setup after creating its publication, slot and tables.
 */
final class ExcludedColumnsCheck {

    // The columns each generated column's expression reads, from the dependencies PostgreSQL
    // records for it (a generated column also depends on itself, which is left out).
    private static final String GENERATED_INPUTS = """
            SELECT g.attname, r.attname
              FROM pg_attrdef d
              JOIN pg_attribute g ON g.attrelid = d.adrelid AND g.attnum = d.adnum AND g.attgenerated <> ''
              JOIN pg_depend dep ON dep.classid = 'pg_attrdef'::regclass AND dep.objid = d.oid
                   AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid = d.adrelid
                   AND dep.refobjsubid > 0 AND dep.refobjsubid <> d.adnum
              JOIN pg_attribute r ON r.attrelid = d.adrelid AND r.attnum = dep.refobjsubid
             WHERE d.adrelid = ?::regclass
             ORDER BY g.attnum, r.attnum""";

    private ExcludedColumnsCheck() {}

    /**
     * Runs after the source validator, which has made sure that every table exists.
     *
     * @throws MirrorCheckException naming the first table and column that cannot be excluded, and what to do
     */
    static void check(PostgresPeer source, MirrorSpec mirror) {
        SourceOperation op = SourceOperation.creatingMirror("checking the excluded columns", source, mirror.name());
        try (Connection c = source.connect()) {
            for (TableSpec table : mirror.tables()) {
                if (!table.exclude().isEmpty()) {
                    check(c, mirror.name(), TableId.parse(table.source()), table.exclude());
                }
            }
        } catch (SQLException e) {
            throw SourceFailureClassifier.classify(e, op);
        }
    }

    private static void check(Connection c, String mirror, TableId table, List<String> excluded) throws SQLException {
        TableSchema schema = new SourceSchemaReader(c).read(List.of(table)).get(table);
        List<String> names = new ArrayList<>();
        schema.columns().forEach(column -> names.add(column.name()));
        String fix = "; fix the exclude list of " + table + " in the spec, then run mirror create again";
        for (String name : excluded) {
            ColumnSchema column = schema.columns().stream().filter(col -> col.name().equals(name)).findFirst()
                    .orElse(null);
            if (column == null) {
                throw new MirrorCheckException("mirror " + mirror + ": source table " + table + " has no column " + name
                        + " to exclude" + NameSuggestions.closest(name, names).map(n -> " (did you mean " + n + "?)")
                                .orElse("") + fix);
            }
            if (column.isKey()) {
                throw new MirrorCheckException("mirror " + mirror + ": column " + name + " of source table " + table
                        + " is part of the key that identifies its rows (" + keyColumns(schema)
                        + ") and cannot be excluded, since changes are applied by that key" + fix);
            }
        }
        try (PreparedStatement ps = c.prepareStatement(GENERATED_INPUTS)) {
            ps.setString(1, table.quoted());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String generated = rs.getString(1);
                    String input = rs.getString(2);
                    if (excluded.contains(input) && !excluded.contains(generated)) {
                        throw new MirrorCheckException("mirror " + mirror + ": generated column " + generated + " of source table "
                                + table + " is computed from column " + input + ", which the spec excludes, so the"
                                + " destination could not compute it; exclude " + generated + " too or stop"
                                + " excluding " + input + " in the spec, then run mirror create again");
                    }
                }
            }
        }
    }

    private static String keyColumns(TableSchema schema) {
        List<String> key = new ArrayList<>();
        schema.key().forEach(column -> key.add(column.name()));
        return String.join(", ", key);
    }
}
