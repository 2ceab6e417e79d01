package dev.mirrorflow.activities;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.model.WorkerDescription;
import dev.mirrorflow.workflow.FailureTypes;
import dev.mirrorflow.workflow.activity.WorkerActivities;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

public final class WorkerActivitiesImpl implements WorkerActivities {

    /** Who this process is; the catalog fields are filled in per call. */
    public record Identity(String instanceId, String version, String host, String temporalIdentity) {}

    private final Identity identity;
    private final Catalog catalog;

    public WorkerActivitiesImpl(Identity identity, Catalog catalog) {
        this.identity = identity;
        this.catalog = catalog;
    }

    @Override
    public WorkerDescription describe() {
        try (Connection c = catalog.connection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT max(version) FROM mirrorflow.flyway_schema_history WHERE success")) {
            rs.next();
            return new WorkerDescription(identity.instanceId(), identity.version(), identity.host(),
                    identity.temporalIdentity(), true, rs.getString(1));
        } catch (SQLException e) {
            throw ApplicationFailure.newFailureWithCause(
                    "worker " + identity.temporalIdentity() + " cannot reach the catalog: " + e.getMessage(),
                    FailureTypes.CATALOG_UNAVAILABLE, e);
        }
    }
}
