-- Orleans grain state (Microsoft.Orleans.Persistence.AdoNet, invariant "Npgsql").
--
-- The provider identifies a grain by service, grain type and key: two 64-bit halves (@GrainIdN0,
-- @GrainIdN1) for integer and Guid keys, a string (@GrainIdExtensionString) for string keys and key
-- extensions. It also sends hashes of the key and type (@GrainIdHash, @GrainTypeHash) for databases
-- that index better on integers; here the primary key covers the real values, so they are unused.
-- Writes are optimistic: @GrainStateVersion is the version the grain read (null for a grain never
-- written), and a write that finds another version changes nothing and returns no row, which the
-- provider reports as an InconsistentStateException.

CREATE SCHEMA IF NOT EXISTS orleans;

CREATE TABLE IF NOT EXISTS orleans.grain_state (
    service_id         text        NOT NULL,
    grain_type         text        NOT NULL,
    grain_id_n0        bigint      NOT NULL,
    grain_id_n1        bigint      NOT NULL,
    -- '' when the key has no string part (a primary key column cannot be null).
    grain_id_extension text        NOT NULL,
    payload            bytea,
    version            integer     NOT NULL,
    modified_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
);

INSERT INTO orleansquery (querykey, querytext) VALUES

('ReadFromStorageKey', $sql$
SELECT payload AS "PayloadBinary", version AS "Version"
FROM orleans.grain_state
WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND grain_id_extension = coalesce(@GrainIdExtensionString, '')
$sql$),

-- Either updates the row at the expected version or, for a grain never written, inserts version 1;
-- returns the new version, or no row on a version conflict.
('WriteToStorageKey', $sql$
WITH updated AS (
    UPDATE orleans.grain_state
    SET payload = @PayloadBinary, version = version + 1, modified_at = now()
    WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
      AND grain_id_extension = coalesce(@GrainIdExtensionString, '')
      AND version = @GrainStateVersion
    RETURNING version),
inserted AS (
    INSERT INTO orleans.grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, coalesce(@GrainIdExtensionString, ''), @PayloadBinary, 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version)
SELECT version AS "NewGrainStateVersion" FROM updated
UNION ALL
SELECT version FROM inserted
$sql$),

-- ClearStateAsync with DeleteStateOnClear = false: keeps the row (and its version), drops the payload.
('ClearStorageKey', $sql$
UPDATE orleans.grain_state
SET payload = NULL, version = version + 1, modified_at = now()
WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND grain_id_extension = coalesce(@GrainIdExtensionString, '')
  AND version = @GrainStateVersion
RETURNING version
$sql$),

-- ClearStateAsync with DeleteStateOnClear = true: removes the row; returns the deleted version + 1,
-- which the provider checks against the version it expected.
('DeleteStorageKey', $sql$
DELETE FROM orleans.grain_state
WHERE service_id = @ServiceId AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND grain_id_extension = coalesce(@GrainIdExtensionString, '')
  AND version = @GrainStateVersion
RETURNING version + 1
$sql$)

ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
