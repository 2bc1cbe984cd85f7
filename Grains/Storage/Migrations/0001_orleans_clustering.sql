-- Orleans cluster membership (Microsoft.Orleans.Clustering.AdoNet, invariant "Npgsql").
--
-- The ADO.NET providers keep no SQL of their own: at start they read "SELECT QueryKey, QueryText FROM
-- OrleansQuery" (unquoted, so PostgreSQL looks for orleansquery in the search path) and run the text
-- stored under each key, binding parameters by name (@DeploymentId, @Address, ...). This file creates
-- that table, the membership tables in schema "orleans", and the nine membership queries.
-- Everything here is idempotent: a second run changes nothing.

CREATE TABLE IF NOT EXISTS orleansquery (
    querykey  varchar(64) PRIMARY KEY,
    querytext text        NOT NULL
);

CREATE SCHEMA IF NOT EXISTS orleans;

-- One row per cluster (Orleans calls it the deployment): the table version every membership change
-- bumps, which makes inserts and updates of member rows optimistic-concurrency checked.
CREATE TABLE IF NOT EXISTS orleans.membership_version (
    cluster_id text        PRIMARY KEY,
    version    integer     NOT NULL DEFAULT 0,
    changed_at timestamptz NOT NULL DEFAULT now()
);

-- One row per silo incarnation (address, port, generation).
CREATE TABLE IF NOT EXISTS orleans.membership (
    cluster_id      text        NOT NULL REFERENCES orleans.membership_version (cluster_id),
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,
    proxy_port      integer     NOT NULL,
    suspect_times   text,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (cluster_id, address, port, generation)
);

INSERT INTO orleansquery (querykey, querytext) VALUES

-- Creates the cluster's version row if it is missing; true when this call created it.
('InsertMembershipVersionKey', $sql$
WITH created AS (
    INSERT INTO orleans.membership_version (cluster_id) VALUES (@DeploymentId)
    ON CONFLICT (cluster_id) DO NOTHING
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM created)
$sql$),

-- Adds a silo if the table is still at the version the caller read (@Version) and the silo is not
-- there yet; bumps the version in the same statement. True when the row was added.
('InsertMembershipKey', $sql$
WITH bumped AS (
    UPDATE orleans.membership_version
    SET version = version + 1, changed_at = now()
    WHERE cluster_id = @DeploymentId
      AND version = @Version
      AND NOT EXISTS (
          SELECT 1 FROM orleans.membership
          WHERE cluster_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation)
    RETURNING cluster_id),
added AS (
    INSERT INTO orleans.membership
        (cluster_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
    SELECT cluster_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
    FROM bumped
    ON CONFLICT DO NOTHING
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM added)
$sql$),

-- Changes a silo's status and suspicions under the same version check. True when it was changed.
('UpdateMembershipKey', $sql$
WITH bumped AS (
    UPDATE orleans.membership_version
    SET version = version + 1, changed_at = now()
    WHERE cluster_id = @DeploymentId
      AND version = @Version
      AND EXISTS (
          SELECT 1 FROM orleans.membership
          WHERE cluster_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation)
    RETURNING cluster_id),
changed AS (
    UPDATE orleans.membership AS m
    SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
    FROM bumped
    WHERE m.cluster_id = bumped.cluster_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM changed)
$sql$),

-- The heartbeat: no version check, no version bump.
('UpdateIAmAlivetimeKey', $sql$
UPDATE orleans.membership
SET i_am_alive_time = @IAmAliveTime
WHERE cluster_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$sql$),

-- The version row, joined with one silo's row (null columns when it is not a member).
('MembershipReadRowKey', $sql$
SELECT v.version AS "Version",
       m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
FROM orleans.membership_version AS v
LEFT JOIN orleans.membership AS m
       ON m.cluster_id = v.cluster_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
WHERE v.cluster_id = @DeploymentId
$sql$),

-- The version row, joined with every silo of the cluster.
('MembershipReadAllKey', $sql$
SELECT v.version AS "Version",
       m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime"
FROM orleans.membership_version AS v
LEFT JOIN orleans.membership AS m ON m.cluster_id = v.cluster_id
WHERE v.cluster_id = @DeploymentId
$sql$),

-- Gateways clients may connect to: silos in status @Status (Active) that run a gateway.
('GatewaysQueryKey', $sql$
SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
FROM orleans.membership
WHERE cluster_id = @DeploymentId AND status = @Status AND proxy_port > 0
$sql$),

-- Removes a whole cluster's membership.
('DeleteMembershipTableEntriesKey', $sql$
DELETE FROM orleans.membership WHERE cluster_id = @DeploymentId;
DELETE FROM orleans.membership_version WHERE cluster_id = @DeploymentId
$sql$),

-- Forgets silos that are no longer active (status 3 is Active) and last sent a heartbeat before
-- @IAmAliveTime; the cleanup agent passes "now minus the defunct-silo expiration".
('CleanupDefunctSiloEntriesKey', $sql$
DELETE FROM orleans.membership
WHERE cluster_id = @DeploymentId AND status <> 3 AND i_am_alive_time < @IAmAliveTime
$sql$)

ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext;
