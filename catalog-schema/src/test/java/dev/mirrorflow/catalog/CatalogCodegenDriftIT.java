package dev.mirrorflow.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed jOOQ code must be exactly what the migrations generate. */
class CatalogCodegenDriftIT {

    private static final String PACKAGE_DIR = CatalogCodegen.PACKAGE.replace('.', '/');

    @Test
    void committedJooqCodeShouldMatchTheMigrations(@TempDir Path generated) throws Exception {
        CatalogCodegen.generate(generated);

        Path committed = Path.of(System.getProperty("basedir", ".")).resolve("src/main/java").resolve(PACKAGE_DIR);
        Map<String, String> expected = sources(generated.resolve(PACKAGE_DIR));
        Map<String, String> actual = sources(committed);

        assertThat(expected).as("generated sources").isNotEmpty();
        assertThat(actual.keySet())
                .as("committed jOOQ files differ from what the migrations generate; run scripts/jooq-codegen.sh and commit")
                .isEqualTo(expected.keySet());
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertThat(actual.get(e.getKey()))
                    .as("%s is stale; run scripts/jooq-codegen.sh and commit", e.getKey())
                    .isEqualTo(e.getValue());
        }
    }

    private static Map<String, String> sources(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        if (!Files.isDirectory(root)) {
            return files;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(p).toString(), Files.readString(p));
            }
        }
        return files;
    }
}
