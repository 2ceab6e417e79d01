package dev.mirrorflow.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CatalogMigrationsIT {

    @Test
    void shouldMigrateOnceWhenSeveralStartersRaceOnAnEmptyCatalog() throws Exception {
        int starters = 4;
        try (ScratchDatabase db = ScratchDatabase.create("mirrorflow_race")) {
            // Each starter has its own pool and so its own sessions, as separate processes would.
            List<HikariDataSource> pools = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(starters);
            try {
                CyclicBarrier start = new CyclicBarrier(starters);
                List<Future<Integer>> results = new ArrayList<>();
                for (int i = 0; i < starters; i++) {
                    HikariDataSource ds = dataSource(db);
                    pools.add(ds);
                    results.add(pool.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        return CatalogMigrations.migrate(ds).migrationsExecuted;
                    }));
                }
                int executed = 0;
                for (Future<Integer> r : results) {
                    executed += r.get(60, TimeUnit.SECONDS);
                }
                try (Connection c = db.connect(); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT count(DISTINCT version) FROM mirrorflow.flyway_schema_history"
                                + " WHERE success AND version IS NOT NULL")) {
                    rs.next();
                    assertThat(executed).as("migrations applied across all starters").isEqualTo(rs.getInt(1));
                }
            } finally {
                pool.shutdownNow();
                pools.forEach(HikariDataSource::close);
            }
            try (Connection c = db.connect(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(
                            "SELECT count(*) FROM mirrorflow.flyway_schema_history WHERE success AND version = '001'")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void shouldMigrateANewOrOlderCatalogAndLeaveACurrentOneAlone() throws Exception {
        try (ScratchDatabase db = ScratchDatabase.create("mirrorflow_current");
                HikariDataSource ds = dataSource(db)) {
            assertThat(CatalogMigrations.isCurrent(ds)).as("an empty database").isFalse();
            CatalogMigrations.migrateUnlessCurrent(ds);
            assertThat(CatalogMigrations.isCurrent(ds)).as("just migrated").isTrue();
            assertThat(count(db, "SELECT count(*) FROM mirrorflow.flyway_schema_history WHERE success"))
                    .isEqualTo(CatalogMigrations.NEWEST_VERSION + 1); // the schema creation and each migration

            // A catalog left behind by an older mirrorflow: the newest migration is not applied yet.
            db.execute("DROP TABLE mirrorflow.mirror_workers",
                    "DELETE FROM mirrorflow.flyway_schema_history WHERE version = '006'");
            assertThat(CatalogMigrations.isCurrent(ds)).as("one migration behind").isFalse();
            CatalogMigrations.migrateUnlessCurrent(ds);
            assertThat(count(db, "SELECT count(*) FROM information_schema.tables"
                    + " WHERE table_schema = 'mirrorflow' AND table_name = 'mirror_workers'")).isEqualTo(1);

            // A failed migration is Flyway's to report, not something to skip over.
            db.execute("INSERT INTO mirrorflow.flyway_schema_history (installed_rank, version, description, type,"
                    + " script, installed_by, execution_time, success) VALUES (99, '007', 'broken', 'SQL',"
                    + " 'V007__broken.sql', 'mirrorflow', 0, false)");
            assertThat(CatalogMigrations.isCurrent(ds)).as("a failed migration recorded").isFalse();
        }
    }

    @Test
    void shouldSayWhatIsWrongWhenTheCatalogIsUnreachable() {
        CatalogConfig config = new CatalogConfig("jdbc:postgresql://127.0.0.1:1/mirrorflow?password=hunter2",
                "mirrorflow", "hunter2");
        assertThatThrownBy(() -> Catalog.open(config))
                .isInstanceOf(CatalogUnavailableException.class)
                .hasMessageStartingWith("cannot connect to the catalog at jdbc:postgresql://127.0.0.1:1/mirrorflow")
                .hasMessageContaining("MIRRORFLOW_CATALOG_URL")
                .hasMessageNotContaining("hunter2")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void shouldRejectAWrongPasswordWithoutEchoingIt() {
        try (ScratchDatabase db = ScratchDatabase.create("mirrorflow_auth")) {
            CatalogConfig config = new CatalogConfig(db.jdbcUrl(), "mirrorflow", "not-the-password");
            assertThatThrownBy(() -> Catalog.open(config))
                    .isInstanceOf(CatalogUnavailableException.class)
                    .hasMessageContaining("password authentication failed")
                    .hasMessageNotContaining("not-the-password");
        }
    }

    private static long count(ScratchDatabase db, String query) throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static HikariDataSource dataSource(ScratchDatabase db) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(db.jdbcUrl());
        ds.setUsername(ScratchDatabase.USER);
        ds.setPassword(ScratchDatabase.PASSWORD);
        return ds;
    }
}
