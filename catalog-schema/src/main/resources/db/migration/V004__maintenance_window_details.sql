-- What `maintenance status` shows about a window: who opened it, and for each mirror
-- the window recorded where it stands (pausing, paused, failed or dropped while it was
-- being paused, resumed by `end`, or skipped by `end` and why).
ALTER TABLE maintenance_runs ADD COLUMN started_by text;

ALTER TABLE maintenance_paused_mirrors ADD COLUMN state text NOT NULL DEFAULT 'PAUSING'
    CONSTRAINT maintenance_paused_mirrors_state_known
    CHECK (state IN ('PAUSING', 'PAUSED', 'FAILED', 'DROPPED', 'RESUMED', 'SKIPPED'));
ALTER TABLE maintenance_paused_mirrors ADD COLUMN note text;
