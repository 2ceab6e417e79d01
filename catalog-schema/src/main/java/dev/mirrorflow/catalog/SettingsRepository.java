package dev.mirrorflow.catalog;

import static dev.mirrorflow.catalog.jooq.Tables.SETTINGS;

import java.util.Optional;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

/** Global settings as JSON values, among them the maintenance flag. */
public final class SettingsRepository {

    /** While this key holds true, creating, resuming and changing mirrors is refused. */
    public static final String MAINTENANCE = "maintenance";

    private final DSLContext dsl;

    SettingsRepository(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** The JSON value of a setting. */
    public Optional<String> get(String key) {
        return dsl.select(SETTINGS.VALUE).from(SETTINGS).where(SETTINGS.KEY.eq(key))
                .fetchOptional(SETTINGS.VALUE).map(JSONB::data);
    }

    /** Sets a setting to a JSON value. */
    public void put(String key, String jsonValue) {
        dsl.insertInto(SETTINGS)
                .set(SETTINGS.KEY, key)
                .set(SETTINGS.VALUE, JSONB.valueOf(jsonValue))
                .onConflict(SETTINGS.KEY)
                .doUpdate()
                .set(SETTINGS.VALUE, JSONB.valueOf(jsonValue))
                .set(SETTINGS.UPDATED_AT, DSL.currentOffsetDateTime())
                .execute();
    }

    public boolean isMaintenanceOn() {
        return get(MAINTENANCE).map(v -> v.trim().equals("true")).orElse(false);
    }

    public void setMaintenance(boolean on) {
        put(MAINTENANCE, Boolean.toString(on));
    }
}
