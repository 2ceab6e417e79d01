-- A spec edit (`mirror edit`) waiting to be applied: the workflow applies it at
-- a batch or partition boundary (setting up and loading the tables it adds),
-- then the same transaction makes it the mirror's spec and clears this. A
-- mirror reads only `spec` until then, so a half-applied edit never shows.
ALTER TABLE mirrors ADD COLUMN pending_spec jsonb;

-- An applied spec edit is an event of its own kind in the mirror's history.
ALTER TABLE mirror_events DROP CONSTRAINT mirror_events_kind_known;
ALTER TABLE mirror_events ADD CONSTRAINT mirror_events_kind_known
    CHECK (kind IN ('PHASE', 'ERROR', 'SIGNAL', 'INFO', 'SCHEMA', 'EDIT'));
