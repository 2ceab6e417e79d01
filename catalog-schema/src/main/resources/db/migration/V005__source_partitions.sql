-- The partitions of the partitioned source tables a mirror follows, as the mirror last accounted
-- for them. A partition's TRUNCATE, and an ATTACH, DETACH or DROP of a partition, send nothing
-- down a change stream that publishes via the partition root, yet change the rows of the
-- partitioned table: the mirror compares what the source has now with these rows to notice them.
-- source_table is the partitioned table as the spec names it; one row is the partitioned table
-- itself (so that a table recorded without any partition is still recorded), the others are its
-- leaf partitions. relfilenode is the partition's storage, which a TRUNCATE replaces; joined_by
-- is the transaction that last linked it into the table (the youngest pg_inherits row on its path
-- to the partitioned table), which a DETACH and a later ATTACH replace.
CREATE TABLE mirror_source_partitions (
    mirror_id         bigint      NOT NULL REFERENCES mirrors (id),
    source_table      text        NOT NULL,
    relation_oid      bigint      NOT NULL,
    relation_name     text        NOT NULL,
    relfilenode       bigint      NOT NULL,
    joined_by         text,
    recorded_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (mirror_id, source_table, relation_oid)
);
