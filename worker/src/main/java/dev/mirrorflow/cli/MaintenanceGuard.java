package dev.mirrorflow.cli;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MaintenanceRun;
import java.util.Optional;

/**
 * The refusal every command that starts or changes mirrors makes during maintenance: one line
 * saying since when and why, before anything is written.
 */
public final class MaintenanceGuard {

    private MaintenanceGuard() {}

    /** Throws a {@link UserError} (exit 1) while the catalog's maintenance flag is set. */
    public static void refuseIfActive(Catalog catalog) {
        if (!catalog.settings().isMaintenanceOn()) {
            return;
        }
        Optional<MaintenanceRun> run = catalog.maintenance().openRun();
        String since = run.map(r -> " since " + r.startedAt()).orElse("");
        String reason = run.map(MaintenanceRun::reason).filter(r -> !r.isBlank())
                .map(r -> " (" + TerminalText.reason(r) + ")").orElse("");
        throw new UserError("mirrorflow is in maintenance" + since + reason
                + "; run mirrorflow maintenance end first");
    }
}
