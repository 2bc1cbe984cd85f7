-- Orleans reminders (Microsoft.Orleans.Reminders.AdoNet, invariant "Npgsql").
--
-- Reminders are read per grain and per range of the ring of grain hashes each silo owns. The hash is
-- a uint the provider passes as a signed int (@GrainHash, @BeginHash, @EndHash) and compares as such,
-- so it is stored as integer. A range that wraps around the ring uses ReadRangeRows2Key.

CREATE SCHEMA IF NOT EXISTS orleans;

CREATE TABLE IF NOT EXISTS orleans.reminders (
    service_id    text        NOT NULL,
    grain_id      text        NOT NULL,
    reminder_name text        NOT NULL,
    grain_hash    integer     NOT NULL,
    start_time    timestamptz NOT NULL,
    period_ms     bigint      NOT NULL,
    version       integer     NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX IF NOT EXISTS reminders_by_hash ON orleans.reminders (service_id, grain_hash);

INSERT INTO orleansquery (querykey, querytext) VALUES

('ReadReminderRowsKey', $sql$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period_ms AS "Period", version AS "Version"
FROM orleans.reminders
WHERE service_id = @ServiceId AND grain_id = @GrainId
$sql$),

('ReadReminderRowKey', $sql$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period_ms AS "Period", version AS "Version"
FROM orleans.reminders
WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
$sql$),

-- The range (@BeginHash, @EndHash] when it does not wrap.
('ReadRangeRows1Key', $sql$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period_ms AS "Period", version AS "Version"
FROM orleans.reminders
WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
$sql$),

-- The range (@BeginHash, @EndHash] when it wraps past the end of the ring.
('ReadRangeRows2Key', $sql$
SELECT grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime",
       period_ms AS "Period", version AS "Version"
FROM orleans.reminders
WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
$sql$),

-- Adds or replaces a reminder; returns its new version (the reminder's ETag).
('UpsertReminderRowKey', $sql$
INSERT INTO orleans.reminders AS r (service_id, grain_id, reminder_name, grain_hash, start_time, period_ms, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @GrainHash, @StartTime, @Period, 0)
ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
SET grain_hash = EXCLUDED.grain_hash, start_time = EXCLUDED.start_time, period_ms = EXCLUDED.period_ms,
    version = r.version + 1
RETURNING version AS "Version"
$sql$),

-- Removes a reminder if it is still at the version the caller holds; true when it was removed.
('DeleteReminderRowKey', $sql$
WITH removed AS (
    DELETE FROM orleans.reminders
    WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName AND version = @Version
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM removed)
$sql$),

('DeleteReminderRowsKey', $sql$
DELETE FROM orleans.reminders WHERE service_id = @ServiceId
$sql$)

ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
