-- The mirrorflow catalog: everything an operator asks about a mirror, kept
-- outside Temporal so that it outlives Temporal's retention window.
-- Never edit a landed migration; add V002__... instead.

-- Flyway creates and owns the schema `mirrorflow`; objects below live in it
-- because Flyway sets it as the search_path for this migration.

-- Peers: a named database connection. Everything that may hold a secret is in
-- config_encrypted (AES-GCM); config_public repeats the harmless parts (host,
-- port, database, user) so `peer list` can show them without the key.
CREATE TABLE peers (
    name              text        PRIMARY KEY
                                  CONSTRAINT peers_name_format CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    peer_type         text        NOT NULL
                                  CONSTRAINT peers_type_known CHECK (peer_type IN ('postgres', 'mongodb')),
    config_public     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    config_encrypted  bytea       NOT NULL,
    key_id            text        NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Mirrors: one row per incarnation. A dropped mirror keeps its row (dropped_at
-- set) so its history stays readable; its name can then be used again. The peer
-- columns are names, not foreign keys, so that a peer can be dropped once no
-- live mirror uses it while old incarnations still say what they used; the
-- repositories lock the peer rows (FOR KEY SHARE / FOR UPDATE) to keep a live
-- mirror from ever pointing at a missing peer.
CREATE TABLE mirrors (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text        NOT NULL
                                  CONSTRAINT mirrors_name_format CHECK (name ~ '^[a-z][a-z0-9_]{0,47}$'),
    source_peer       text        NOT NULL,
    destination_peer  text        NOT NULL,
    spec              jsonb       NOT NULL,
    workflow_id       text        NOT NULL,
    phase             text        NOT NULL
                                  CONSTRAINT mirrors_phase_known CHECK (phase IN
                                      ('CREATED', 'SETUP', 'SNAPSHOT', 'RUNNING', 'PAUSING', 'PAUSED',
                                       'COMPLETED', 'TERMINATED', 'FAILED')),
    phase_reason      text,
    last_error        text,
    phase_since       timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    dropped_at        timestamptz,
    CONSTRAINT mirrors_distinct_peers CHECK (source_peer <> destination_peer)
);
-- At most one live mirror per name; dropped incarnations may share it.
CREATE UNIQUE INDEX mirrors_live_name ON mirrors (name) WHERE dropped_at IS NULL;
CREATE INDEX mirrors_name ON mirrors (name, created_at DESC);
CREATE INDEX mirrors_source_peer ON mirrors (source_peer);
CREATE INDEX mirrors_destination_peer ON mirrors (destination_peer);
CREATE INDEX mirrors_live_phase ON mirrors (phase) WHERE dropped_at IS NULL;

-- Every phase change and every error of a mirror, append-only.
CREATE TABLE mirror_events (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mirror_id         bigint      NOT NULL REFERENCES mirrors (id),
    occurred_at       timestamptz NOT NULL DEFAULT now(),
    kind              text        NOT NULL
                                  CONSTRAINT mirror_events_kind_known CHECK (kind IN ('PHASE', 'ERROR', 'SIGNAL', 'INFO')),
    phase             text,
    reason            text,
    error             text,
    details           jsonb,
    -- Set by activities (workflow run + step) so that a retried activity does
    -- not write the same event twice.
    idempotency_key   text
);
CREATE UNIQUE INDEX mirror_events_idempotent ON mirror_events (mirror_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX mirror_events_by_mirror ON mirror_events (mirror_id, occurred_at, id);

CREATE FUNCTION mirror_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'mirror_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER mirror_events_no_update BEFORE UPDATE ON mirror_events
    FOR EACH ROW EXECUTE FUNCTION mirror_events_append_only();

-- How a mirror's workflow run ended. A mirror may end more than once (a failed
-- mirror resynced, a mirror re-created), so outcomes are rows, not columns.
CREATE TABLE mirror_outcomes (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mirror_id         bigint      NOT NULL REFERENCES mirrors (id),
    run_id            text,
    final_phase       text        NOT NULL
                                  CONSTRAINT mirror_outcomes_phase_terminal CHECK (final_phase IN ('COMPLETED', 'TERMINATED', 'FAILED')),
    rows_snapshotted  bigint      NOT NULL DEFAULT 0,
    rows_applied      bigint      NOT NULL DEFAULT 0,
    batches           bigint      NOT NULL DEFAULT 0,
    last_checkpoint   text,
    error             text,
    closed_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mirror_outcomes_by_mirror ON mirror_outcomes (mirror_id, closed_at DESC);
-- A workflow run ends once, however often the activity recording it is retried.
CREATE UNIQUE INDEX mirror_outcomes_one_per_run ON mirror_outcomes (mirror_id, run_id) WHERE run_id IS NOT NULL;

-- Initial-load partitions. A load is identified by its generation (a resync
-- starts a new one); a partition is a range of the source table (for
-- PostgreSQL a ctid block range [range_start, range_end)).
CREATE TABLE snapshot_partitions (
    mirror_id         bigint      NOT NULL REFERENCES mirrors (id),
    load_generation   integer     NOT NULL DEFAULT 1,
    table_name        text        NOT NULL,
    partition_no      integer     NOT NULL,
    range_start       text        NOT NULL,
    range_end         text        NOT NULL,
    state             text        NOT NULL DEFAULT 'PENDING'
                                  CONSTRAINT snapshot_partitions_state_known CHECK (state IN ('PENDING', 'RUNNING', 'DONE')),
    rows_copied       bigint      NOT NULL DEFAULT 0,
    bytes_copied      bigint      NOT NULL DEFAULT 0,
    started_at        timestamptz,
    finished_at       timestamptz,
    PRIMARY KEY (mirror_id, load_generation, table_name, partition_no)
);
CREATE INDEX snapshot_partitions_unfinished ON snapshot_partitions (mirror_id, load_generation)
    WHERE state <> 'DONE';

-- Every applied change-stream batch.
CREATE TABLE cdc_batches (
    mirror_id         bigint      NOT NULL REFERENCES mirrors (id),
    batch_id          bigint      NOT NULL,
    rows_applied      bigint      NOT NULL,
    bytes_applied     bigint      NOT NULL DEFAULT 0,
    first_position    text,
    last_position     text        NOT NULL,
    started_at        timestamptz NOT NULL,
    ended_at          timestamptz NOT NULL,
    PRIMARY KEY (mirror_id, batch_id)
);
CREATE INDEX cdc_batches_recent ON cdc_batches (mirror_id, ended_at DESC);

-- A mirror's saved source position that must exist before something else may
-- start, e.g. the MongoDB resume token taken before the initial load.
CREATE TABLE source_checkpoints (
    mirror_id         bigint      NOT NULL REFERENCES mirrors (id),
    load_generation   integer     NOT NULL DEFAULT 1,
    position_kind     text        NOT NULL
                                  CONSTRAINT source_checkpoints_kind_known CHECK (position_kind IN ('POSTGRES_LSN', 'MONGO_RESUME_TOKEN')),
    position          text        NOT NULL,
    saved_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (mirror_id, load_generation)
);

-- Global settings, among them the maintenance flag (key 'maintenance').
CREATE TABLE settings (
    key               text        PRIMARY KEY,
    value             jsonb       NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Maintenance runs and exactly which mirrors each one paused, so `end`
-- resumes those and no others.
CREATE TABLE maintenance_runs (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workflow_id       text        NOT NULL,
    state             text        NOT NULL
                                  CONSTRAINT maintenance_runs_state_known CHECK (state IN ('STARTING', 'ACTIVE', 'ENDING', 'ENDED')),
    reason            text,
    started_at        timestamptz NOT NULL DEFAULT now(),
    ended_at          timestamptz
);
-- Only one maintenance run at a time.
CREATE UNIQUE INDEX maintenance_runs_one_open ON maintenance_runs ((true)) WHERE state <> 'ENDED';

CREATE TABLE maintenance_paused_mirrors (
    run_id            bigint      NOT NULL REFERENCES maintenance_runs (id),
    mirror_id         bigint      NOT NULL REFERENCES mirrors (id),
    paused_at         timestamptz,
    resumed_at        timestamptz,
    PRIMARY KEY (run_id, mirror_id)
);
CREATE INDEX maintenance_paused_mirrors_mirror ON maintenance_paused_mirrors (mirror_id);

-- Workers that have run against this catalog, by persistent instance id.
CREATE TABLE workers (
    instance_id       uuid        PRIMARY KEY,
    host              text        NOT NULL,
    version           text        NOT NULL,
    identity          text,
    started_at        timestamptz NOT NULL,
    last_seen_at      timestamptz NOT NULL
);
CREATE INDEX workers_last_seen ON workers (last_seen_at DESC);
