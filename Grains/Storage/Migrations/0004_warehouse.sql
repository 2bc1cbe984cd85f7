-- The analytics warehouse, written by the silos' warehouse sink (Grains/Warehouse/WarehouseSink.cs).
--
-- play_events holds one row per distinct eventId: a resent or replayed event hits the primary key
-- and is dropped (INSERT ... ON CONFLICT (event_id) DO NOTHING). The hourly tables are maintained by
-- the same statement that inserts play events, from the rows it actually inserted, so they count
-- every distinct event exactly once and are as fresh as play_events, without a roll-up job.
-- Hours are UTC hours of event time (ts, when the play ended).

CREATE SCHEMA IF NOT EXISTS warehouse;

CREATE TABLE IF NOT EXISTS warehouse.play_events (
    event_id        text        PRIMARY KEY,
    user_id         text        NOT NULL,
    track_id        text        NOT NULL,
    ts              timestamptz NOT NULL,
    ms_played       bigint      NOT NULL,
    -- As the client reported it (null when it did not say).
    skipped         boolean,
    -- The pipeline's rule: skipped, or played for less than 30 s.
    is_skip         boolean     NOT NULL,
    reason_start    text,
    reason_end      text,
    shuffle         boolean,
    platform        text,
    country         text,
    -- The track's catalog genres when the event was ingested (a track may have several).
    genres          text[]      NOT NULL,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    ingested_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS play_events_ts ON warehouse.play_events (ts);
CREATE INDEX IF NOT EXISTS play_events_track_ts ON warehouse.play_events (track_id, ts);
CREATE INDEX IF NOT EXISTS play_events_user_ts ON warehouse.play_events (user_id, ts);

CREATE TABLE IF NOT EXISTS warehouse.track_hourly (
    hour      timestamptz NOT NULL,
    track_id  text        NOT NULL,
    plays     bigint      NOT NULL,
    skips     bigint      NOT NULL,
    ms_played bigint      NOT NULL,
    PRIMARY KEY (hour, track_id)
);

CREATE INDEX IF NOT EXISTS track_hourly_track ON warehouse.track_hourly (track_id, hour);

-- A play of a track with several genres counts once in each of them.
CREATE TABLE IF NOT EXISTS warehouse.genre_hourly (
    hour      timestamptz NOT NULL,
    genre     text        NOT NULL,
    plays     bigint      NOT NULL,
    skips     bigint      NOT NULL,
    ms_played bigint      NOT NULL,
    PRIMARY KEY (hour, genre)
);

CREATE INDEX IF NOT EXISTS genre_hourly_genre ON warehouse.genre_hourly (genre, hour);

-- What the recommender answered: one row per answer, tracks in rank order with their scores.
CREATE TABLE IF NOT EXISTS warehouse.served_recommendations (
    id            bigint             GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       text               NOT NULL,
    model_version text               NOT NULL,
    track_ids     text[]             NOT NULL,
    scores        double precision[] NOT NULL,
    served_at     timestamptz        NOT NULL
);

CREATE INDEX IF NOT EXISTS served_recommendations_user ON warehouse.served_recommendations (user_id, served_at);
CREATE INDEX IF NOT EXISTS served_recommendations_served_at ON warehouse.served_recommendations (served_at);
