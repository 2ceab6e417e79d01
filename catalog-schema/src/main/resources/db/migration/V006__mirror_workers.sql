-- Where each mirror's load or stream runs now: the Temporal identity of the worker that started
-- it (mirrorflow@<host>/<instance id>), which `mirror status` shows. A worker writes its row when
-- the load or stream starts and deletes it when that ends on it; a worker that was killed leaves
-- its row until the worker taking over writes its own.
CREATE TABLE mirror_workers (
    mirror_id         bigint      PRIMARY KEY REFERENCES mirrors (id),
    worker_identity   text        NOT NULL,
    activity          text        NOT NULL,
    started_at        timestamptz NOT NULL DEFAULT now()
);
