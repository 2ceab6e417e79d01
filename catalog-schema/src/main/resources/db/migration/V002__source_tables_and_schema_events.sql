-- Source tables by identity, and schema changes in a mirror's history.

-- The source tables a mirror follows, by the identity the source gives them (a
-- PostgreSQL relation OID), so that a table renamed at the source keeps being
-- mirrored, and a table dropped and created again under its name is noticed
-- rather than silently skipped. source_table is the name the spec gives the
-- table (what the destination maps); current_name is the name the stream saw
-- last, which differs from it once the table was renamed at the source.
CREATE TABLE mirror_source_tables (
    mirror_id         bigint      NOT NULL REFERENCES mirrors (id),
    source_table      text        NOT NULL,
    relation_oid      bigint      NOT NULL,
    current_name      text        NOT NULL,
    recorded_at       timestamptz NOT NULL DEFAULT now(),
    renamed_at        timestamptz,
    PRIMARY KEY (mirror_id, source_table)
);

-- A schema change a mirror noticed at its source (a table renamed, a column
-- dropped, ...) is an event of its own kind; its details say which table, what
-- kind of change and what mirrorflow did about it.
ALTER TABLE mirror_events DROP CONSTRAINT mirror_events_kind_known;
ALTER TABLE mirror_events ADD CONSTRAINT mirror_events_kind_known
    CHECK (kind IN ('PHASE', 'ERROR', 'SIGNAL', 'INFO', 'SCHEMA'));
