package dev.mirrorflow.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class CatalogMigrationsTest {

    private static final Pattern MIGRATION = Pattern.compile("V(\\d+)__.+\\.sql");

    @Test
    void shouldKnowTheNewestMigrationSoACurrentCatalogIsNotMigratedAgain() throws Exception {
        // A migration added without raising NEWEST_VERSION would never run on a catalog that has
        // the ones before it: CLI commands and workers would take that catalog for current.
        Path migrations = Path.of(System.getProperty("basedir", ".")).resolve("src/main/resources/db/migration");
        int newest;
        try (Stream<Path> files = Files.list(migrations)) {
            newest = files.map(f -> MIGRATION.matcher(f.getFileName().toString()))
                    .filter(Matcher::matches)
                    .mapToInt(m -> Integer.parseInt(m.group(1)))
                    .max().orElseThrow();
        }
        assertThat(CatalogMigrations.NEWEST_VERSION).isEqualTo(newest);
    }
}
