package dev.mirrorflow.activities;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.model.Phase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class CatalogPhasesTest {

    /** Tests run in the activities module; the catalog's migrations are in its sibling. */
    private static final Path MIGRATIONS = Path.of("../catalog-schema/src/main/resources/db/migration");

    @Test
    void shouldMapEveryWorkflowPhaseToTheCatalogPhaseOfTheSameNameAndBack() {
        for (Phase phase : Phase.values()) {
            MirrorPhase recorded = CatalogPhases.toCatalog(phase);
            assertThat(recorded.name()).isEqualTo(phase.name());
            assertThat(recorded.isTerminal()).as(phase.name()).isEqualTo(phase.isTerminal());
            assertThat(CatalogPhases.fromCatalog(recorded)).isEqualTo(phase);
        }
        for (MirrorPhase recorded : MirrorPhase.values()) {
            assertThat(CatalogPhases.fromCatalog(recorded).name()).isEqualTo(recorded.name());
        }
        assertThat(names(MirrorPhase.values())).containsExactlyElementsOf(names(Phase.values()));
    }

    @Test
    void shouldRecordOnlyPhasesTheCatalogAllows() throws IOException {
        String sql = latestMigrationsText();

        assertThat(lastConstraint(sql, "mirrors_phase_known")).containsExactlyInAnyOrderElementsOf(names(MirrorPhase.values()));
        assertThat(lastConstraint(sql, "mirror_outcomes_phase_terminal")).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(Phase.values()).filter(Phase::isTerminal).map(Phase::name).toList());
    }

    private static List<String> names(Enum<?>[] values) {
        return Arrays.stream(values).map(Enum::name).toList();
    }

    /** Every migration in the order Flyway applies them, so that a later one's constraint wins. */
    private static String latestMigrationsText() throws IOException {
        try (Stream<Path> files = Files.list(MIGRATIONS)) {
            StringBuilder all = new StringBuilder();
            for (Path file : files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql")).sorted().toList()) {
                all.append(Files.readString(file)).append('\n');
            }
            return all.toString();
        }
    }

    /** The names in the last {@code CONSTRAINT <name> CHECK (... IN ('A', 'B'))} of that name. */
    private static List<String> lastConstraint(String sql, String constraint) {
        Matcher m = Pattern.compile(constraint + "\\s+CHECK\\s*\\(\\s*\\w+\\s+IN\\s*\\(([^)]*)\\)").matcher(sql);
        String list = null;
        while (m.find()) {
            list = m.group(1);
        }
        assertThat(list).as("constraint " + constraint + " in " + MIGRATIONS).isNotNull();
        return Arrays.stream(list.split(",")).map(s -> s.strip().replace("'", "")).toList();
    }
}
