-- Play events the warehouse cannot store (PostgreSQL rejects a value of theirs: SQLSTATE classes 22 and
-- 23), set aside with the reason instead of retried, so one row never holds up a partition. The event
-- is kept as escaped JSON text, which stores whatever the event held.
CREATE TABLE IF NOT EXISTS warehouse.rejected_plays (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    event           text        NOT NULL,
    reason          text        NOT NULL,
    rejected_at     timestamptz NOT NULL DEFAULT now()
);

-- A replay hands the same event to the warehouse again: it is set aside once.
CREATE UNIQUE INDEX IF NOT EXISTS rejected_plays_event ON warehouse.rejected_plays (kafka_partition, kafka_offset, md5(event));
CREATE INDEX IF NOT EXISTS rejected_plays_rejected_at ON warehouse.rejected_plays (rejected_at);
