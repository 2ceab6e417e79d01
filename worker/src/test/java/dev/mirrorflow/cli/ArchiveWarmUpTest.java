package dev.mirrorflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ArchiveWarmUpTest {

    @Test
    void shouldReadEveryCatalogTableFromTheMockConnectionWithoutADatabase() {
        // A step that failed would leave its classes out of the launcher's archive without a word.
        assertThat(ArchiveWarmUp.loadCommonClasses()).isTrue();
    }

    @Test
    void shouldStartLoggingLateOnlyForTheCommandsThatRunOnOneThread() {
        assertThat(MirrorflowCommand.runsOnOneThread(new String[] {"mirror", "list"})).isTrue();
        assertThat(MirrorflowCommand.runsOnOneThread(new String[] {"peer", "list", "--json"})).isTrue();
        assertThat(MirrorflowCommand.runsOnOneThread(new String[] {"mirror", "status", "demo"})).isFalse();
        assertThat(MirrorflowCommand.runsOnOneThread(new String[] {"worker"})).isFalse();
        assertThat(MirrorflowCommand.runsOnOneThread(new String[] {})).isFalse();
    }
}
