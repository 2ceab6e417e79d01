package dev.mirrorflow.worker;

import static dev.mirrorflow.worker.MirrorTestBed.count;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.catalog.Catalog;
import dev.mirrorflow.catalog.MirrorEvent;
import dev.mirrorflow.catalog.MirrorPhase;
import dev.mirrorflow.catalog.MirrorRow;
import dev.mirrorflow.catalog.ScratchDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@code mirror create} refuses before it writes anything, end to end through the CLI and a
 * worker on the real Temporal dev server: excluded columns the mirror could not do without, and a
 * destination user who may not do what the mirror does there; and a destination privilege lost
 * while the mirror streams, which fails the mirror at once rather than retrying forever.
 */
class MirrorCreateChecksIT extends WorkerTestClass {

    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(60);


    @Test
    void shouldRefuseExcludingAMissingColumnAKeyColumnOrAGeneratedColumnsInputAndWriteNothing() throws Exception {
        String name = "excl_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        String indexed = name + "_i";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, name text, price int, qty int,"
                        + " total int GENERATED ALWAYS AS (price * qty) STORED)",
                "CREATE TABLE " + indexed + " (code text NOT NULL, v text)",
                "CREATE UNIQUE INDEX " + indexed + "_code ON " + indexed + " (code)",
                "ALTER TABLE " + indexed + " REPLICA IDENTITY USING INDEX " + indexed + "_code");
        bed.peers(name);

        assertRefused(name, table, "public." + table, "nmae", "mirror " + name + ": source table public." + table
                + " has no column nmae to exclude (did you mean name?); fix the exclude list of public." + table
                + " in the spec, then run mirror create again");
        assertRefused(name, table, "public." + table, "id", "mirror " + name + ": column id of source table public."
                + table + " is part of the key that identifies its rows (id) and cannot be excluded, since changes"
                + " are applied by that key; fix the exclude list of public." + table
                + " in the spec, then run mirror create again");
        assertRefused(name, indexed, "public." + indexed, "code", "mirror " + name + ": column code of source table"
                + " public." + indexed + " is part of the key that identifies its rows (code) and cannot be excluded");
        assertRefused(name, table, "public." + table, "price", "mirror " + name + ": generated column total of source"
                + " table public." + table + " is computed from column price, which the spec excludes, so the"
                + " destination could not compute it; exclude total too or stop excluding price in the spec, then"
                + " run mirror create again");

        // Excluding the generated column with its input is fine, and the mirror copies the rest.
        bed.source.execute("INSERT INTO " + table + " (id, name, price, qty) VALUES (1, 'one', 2, 3)");
        bed.ok("mirror", "create", "-f", spec(name, "public." + table, "[price, total]").toString());
        bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(count(bed.destination, "SELECT count(*) FROM " + table + " WHERE id = 1 AND name = 'one'"
                + " AND qty = 3")).isEqualTo(1);
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    @Test
    void shouldRefuseADestinationUserWithoutCreateOnTheDatabaseOrTheSchemaAndWriteNothing() throws Exception {
        String name = "priv_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        // A database of its own, which no other mirror has given a _mirrorflow schema yet.
        ScratchDatabase destination = ScratchDatabase.create("mirrorflow_e2e_dst");
        String user = destinationUser(name, table, destination);
        try {
            Path spec = spec(name, "public." + table, "[]");

            MirrorTestBed.Run noDatabaseCreate = bed.cli("mirror", "create", "-f", spec.toString());
            assertThat(noDatabaseCreate.exit()).isEqualTo(1);
            assertThat(noDatabaseCreate.err().strip()).isEqualTo("mirrorflow: mirror " + name + ": user " + user
                    + " of destination peer " + name + "_dst lacks CREATE on database " + destination.name()
                    + " (for mirrorflow's schema _mirrorflow and new schemas); run GRANT CREATE ON DATABASE \""
                    + destination.name() + "\" TO \"" + user + "\" as the owner or a superuser, then run mirror"
                    + " create again");
            assertNothingWritten(name, table, destination);

            destination.execute("GRANT CREATE ON DATABASE " + destination.name() + " TO " + user);
            MirrorTestBed.Run noSchemaCreate = bed.cli("mirror", "create", "-f", spec.toString());
            assertThat(noSchemaCreate.exit()).isEqualTo(1);
            assertThat(noSchemaCreate.err().strip()).isEqualTo("mirrorflow: mirror " + name + ": user " + user
                    + " of destination peer " + name + "_dst lacks CREATE on schema public; run GRANT CREATE ON"
                    + " SCHEMA \"public\" TO \"" + user + "\" as the owner or a superuser, then run mirror create"
                    + " again");
            assertNothingWritten(name, table, destination);

            // An existing table the user may read but not write.
            destination.execute("GRANT CREATE ON SCHEMA public TO " + user,
                    "CREATE TABLE " + table + " (id int PRIMARY KEY, v text)",
                    "GRANT SELECT, UPDATE ON " + table + " TO " + user);
            MirrorTestBed.Run noInsert = bed.cli("mirror", "create", "-f", spec.toString());
            assertThat(noInsert.exit()).isEqualTo(1);
            assertThat(noInsert.err().strip()).isEqualTo("mirrorflow: mirror " + name + ": user " + user
                    + " of destination peer " + name + "_dst lacks INSERT, DELETE, TRUNCATE on table public." + table
                    + "; run GRANT INSERT, DELETE, TRUNCATE ON \"public\".\"" + table + "\" TO \"" + user
                    + "\" as the owner or a superuser, then run mirror create again");
            try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
                assertThat(catalog.mirrors().findLatest(name)).isEmpty();
            }

            // mirrorflow's schema, made by another mirror's user: setup writes its checkpoints there.
            destination.execute("GRANT INSERT, DELETE, TRUNCATE ON " + table + " TO " + user,
                    "CREATE SCHEMA _mirrorflow", "CREATE TABLE _mirrorflow.checkpoints (mirror text PRIMARY KEY)");
            MirrorTestBed.Run noMetadataSchema = bed.cli("mirror", "create", "-f", spec.toString());
            assertThat(noMetadataSchema.exit()).isEqualTo(1);
            assertThat(noMetadataSchema.err().strip()).endsWith("lacks USAGE, CREATE on schema _mirrorflow; run GRANT"
                    + " USAGE, CREATE ON SCHEMA \"_mirrorflow\" TO \"" + user + "\" as the owner or a superuser, then"
                    + " run mirror create again");
            destination.execute("GRANT USAGE, CREATE ON SCHEMA _mirrorflow TO " + user);
            MirrorTestBed.Run noCheckpoints = bed.cli("mirror", "create", "-f", spec.toString());
            assertThat(noCheckpoints.exit()).isEqualTo(1);
            assertThat(noCheckpoints.err().strip()).endsWith("lacks SELECT, INSERT, UPDATE, DELETE on table"
                    + " _mirrorflow.checkpoints; run GRANT SELECT, INSERT, UPDATE, DELETE ON"
                    + " \"_mirrorflow\".\"checkpoints\" TO \"" + user + "\" as the owner or a superuser, then run"
                    + " mirror create again");
            try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
                assertThat(catalog.mirrors().findLatest(name)).isEmpty();
            }
        } finally {
            destination.close();
            bed.source.execute("DROP ROLE IF EXISTS " + user);
        }
    }

    @Test
    void shouldFailAtOnceWhenADestinationPrivilegeIsRevokedWhileStreamingAndResumeOnceItIsBack() throws Exception {
        String name = "revoke_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        // A database of its own, which no other mirror has given a _mirrorflow schema yet.
        ScratchDatabase destination = ScratchDatabase.create("mirrorflow_e2e_dst");
        String user = destinationUser(name, table, destination);
        try {
            destination.execute("GRANT CREATE ON DATABASE " + destination.name() + " TO " + user,
                    "GRANT CREATE ON SCHEMA public TO " + user);
            bed.ok("mirror", "create", "-f", spec(name, "public." + table, "[]").toString());
            bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
            bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
            assertThat(count(destination, "SELECT count(*) FROM " + table)).isEqualTo(1);

            // The table's owner takes the privileges away from the user the mirror writes as.
            destination.execute("ALTER TABLE " + table + " OWNER TO " + ScratchDatabase.USER);
            bed.source.execute("INSERT INTO " + table + " VALUES (2, 'streamed')");
            bed.awaitPhase(name, MirrorPhase.FAILED, PHASE_TIMEOUT);

            MirrorRow failed = bed.mirror(name);
            assertThat(failed.lastError()).isEqualTo("mirror " + name + ", batch 1: applying 1 row(s) to destination"
                    + " table public." + table + " failed: ERROR: permission denied for table " + table + "; the"
                    + " destination user lacks a privilege; grant it (mirror create names what the user needs), then"
                    + " run mirrorflow mirror resume " + name);
            List<MirrorEvent> errors = bed.errors(name);
            assertThat(errors).as("one error, not a retry loop: %s", errors).hasSize(1);
            assertThat(errors.get(0).error()).doesNotContain("retrying");

            // Once the privilege is back, resume goes on from the checkpoint: the row that failed arrives.
            destination.execute("ALTER TABLE " + table + " OWNER TO " + user);
            assertThat(bed.ok("mirror", "resume", name).out()).contains("resume requested for mirror " + name);
            bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
            bed.source.execute("INSERT INTO " + table + " VALUES (3, 'after the resume')");
            bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
            assertThat(MirrorTestBed.checksum(destination, table)).isEqualTo(MirrorTestBed.checksum(bed.source, table))
                    .startsWith("3:");

            // A destination table dropped under the mirror: a retry would create it empty and stream
            // into it, so the mirror fails, and resume, which could not bring the rows back, names resync.
            destination.execute("DROP TABLE " + table);
            bed.source.execute("INSERT INTO " + table + " VALUES (4, 'into a dropped table')");
            bed.awaitPhase(name, MirrorPhase.FAILED, PHASE_TIMEOUT);
            assertThat(bed.mirror(name).lastError()).contains("a table is missing at the destination; only a resync"
                    + " restores the destination: fix it, then run mirrorflow mirror resync " + name);
            MirrorTestBed.Run resume = bed.cli("mirror", "resume", name);
            assertThat(resume.exit()).isEqualTo(1);
            assertThat(resume.err().strip()).isEqualTo("mirrorflow: mirror " + name + " has FAILED with its"
                    + " destination tables gone or unusable, so it cannot be resumed; fix the cause (mirrorflow mirror"
                    + " status " + name + " shows it), then run mirrorflow mirror resync " + name + " to load it"
                    + " afresh and stream again, or mirrorflow mirror drop " + name + " to remove it");
            bed.ok("mirror", "resync", name);
            bed.awaitPhase(name, MirrorPhase.RUNNING, PHASE_TIMEOUT);
            bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
            assertThat(MirrorTestBed.checksum(destination, table)).isEqualTo(MirrorTestBed.checksum(bed.source, table))
                    .startsWith("4:");
            bed.ok("mirror", "drop", name, "--timeout", "60s");
        } finally {
            destination.close();
            bed.source.execute("DROP ROLE IF EXISTS " + user);
        }
    }

    @Test
    void shouldFailTheLoadAtOnceWhenTheDestinationRefusesItsRowsForLackOfAPrivilege() throws Exception {
        String name = "loadpriv_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)",
                "INSERT INTO " + table + " VALUES (1, 'loaded')");
        // A destination table of the source's shape whose writes a policy of the destination refuses
        // as PostgreSQL refuses a missing privilege (SQLSTATE 42501), from the load's first row.
        bed.destination.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)",
                "CREATE FUNCTION " + name + "_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        + " RAISE EXCEPTION 'writes to this table are not allowed' USING ERRCODE = '42501'; END $$",
                "CREATE TRIGGER refuse BEFORE INSERT ON " + table + " FOR EACH ROW EXECUTE FUNCTION " + name
                        + "_refuse()");
        bed.peers(name);
        bed.ok("mirror", "create", "-f", spec(name, "public." + table, "[]").toString());

        bed.awaitPhase(name, MirrorPhase.FAILED, PHASE_TIMEOUT);
        MirrorRow failed = bed.mirror(name);
        assertThat(failed.lastError()).contains("writes to this table are not allowed")
                .endsWith("a privilege is missing or a name does not resolve (SQLSTATE 42501), which no retry changes;"
                        + " fix it, then run mirrorflow mirror resync " + name);
        List<MirrorEvent> errors = bed.errors(name);
        assertThat(errors).as("one error, not a retry loop: %s", errors).hasSize(1);
        MirrorTestBed.Run resume = bed.cli("mirror", "resume", name);
        assertThat(resume.exit()).isEqualTo(1);
        assertThat(resume.err()).contains("has FAILED in SNAPSHOT, before it streamed (there is no checkpoint to go"
                + " on from), so it cannot be resumed").contains("mirrorflow mirror resync " + name);
        bed.ok("mirror", "drop", name, "--timeout", "60s");
    }

    /**
     * A source table with a row, the mirror's peers, and as the destination peer's user a role
     * with no more than PostgreSQL 15 gives every role: CONNECT, and USAGE on schema public, but
     * CREATE neither on the database nor on public.
     */
    private static String destinationUser(String name, String table, ScratchDatabase destination) throws Exception {
        String user = "mf_e2e_dst_" + ScratchDatabase.randomSuffix();
        bed.source.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)",
                "INSERT INTO " + table + " VALUES (1, 'loaded')");
        destination.execute("CREATE ROLE " + user + " LOGIN PASSWORD '" + bed.password + "'");
        bed.ok("peer", "create", name + "_src", "--type", "postgres", "--url", url(bed.source, bed.role),
                "--password-file", state.resolve("password").toString());
        bed.ok("peer", "create", name + "_dst", "--type", "postgres", "--url", url(destination, user),
                "--password-file", state.resolve("password").toString());
        return user;
    }

    private static void assertRefused(String name, String table, String source, String exclude, String message)
            throws Exception {
        MirrorTestBed.Run run = bed.cli("mirror", "create", "-f", spec(name, source, "[" + exclude + "]").toString());
        assertThat(run.exit()).as("%s / %s", run.out(), run.err()).isEqualTo(1);
        assertThat(run.err().strip()).doesNotContain("\n").startsWith("mirrorflow: " + message);
        assertNothingWritten(name, table);
    }

    /** No catalog row, no publication, no slot, no destination table. */
    @Test
    void shouldRefuseAColumnTypeTheDestinationLacksShowingItsDefinitionAndWriteNothing() throws Exception {
        String name = "types_" + ScratchDatabase.randomSuffix();
        String table = name + "_t";
        bed.source.execute("CREATE DOMAIN " + name + "_pos AS integer CHECK (VALUE > 0)",
                "CREATE TABLE " + table + " (id int PRIMARY KEY, qty " + name + "_pos, tags " + name + "_pos[])");
        bed.peers(name);
        MirrorTestBed.Run run = bed.cli("mirror", "create", "-f", spec(name, "public." + table, "[]").toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().strip()).isEqualTo("mirrorflow: mirror " + name + ": column qty of source table public."
                + table + " has type " + name + "_pos, which the destination database does not have; create it there"
                + " first (at the source: CREATE DOMAIN " + name + "_pos AS integer CHECK ((VALUE > 0))) or exclude the"
                + " column (mirrorflow creates enum types only), then run mirror create again");
        assertNothingWritten(name, table);

        // Created at the destination as the message says, the mirror copies both columns.
        bed.destination.execute("CREATE DOMAIN " + name + "_pos AS integer CHECK (VALUE > 0)");
        bed.source.execute("INSERT INTO " + table + " VALUES (1, 5, '{1,2}')");
        bed.ok("mirror", "create", "-f", spec(name, "public." + table, "[]").toString());
        bed.ok("mirror", "wait", name, "--caught-up", "--timeout", "60s");
        assertThat(count(bed.destination, "SELECT count(*) FROM " + table + " WHERE qty = 5 AND tags = '{1,2}'"))
                .isEqualTo(1);
        bed.ok("mirror", "drop", name, "--drop-destination", "--timeout", "60s");
    }

    private static void assertNothingWritten(String name, String table) throws Exception {
        assertNothingWritten(name, table, bed.destination);
    }

    private static void assertNothingWritten(String name, String table, ScratchDatabase destination)
            throws Exception {
        try (Catalog catalog = Catalog.open(bed.catalogDb.catalogConfig())) {
            assertThat(catalog.mirrors().findLatest(name)).isEmpty();
        }
        assertThat(count(bed.source, "SELECT count(*) FROM pg_publication WHERE pubname = 'mirrorflow_" + name + "'"))
                .isZero();
        assertThat(count(bed.source, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'mirrorflow_"
                + name + "'")).isZero();
        assertThat(count(destination, "SELECT count(*) FROM pg_class WHERE relname = '" + table + "'")).isZero();
    }

    private static Path spec(String name, String source, String exclude) throws Exception {
        Path file = state.resolve(name + ".yaml");
        Files.writeString(file, """
                name: %1$s
                source: %1$s_src
                destination: %1$s_dst
                tables:
                  - source: %2$s
                    exclude: %3$s
                batchSize: 100
                idleTimeout: 200ms
                """.formatted(name, source, exclude));
        return file;
    }

    private static String url(ScratchDatabase db, String user) {
        return "postgres://" + user + "@127.0.0.1:" + db.jdbcUrl().replaceAll(".*:(\\d+)/.*", "$1") + "/" + db.name();
    }
}
