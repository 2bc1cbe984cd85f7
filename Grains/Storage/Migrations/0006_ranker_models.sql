-- The ranker's model registry (Grains/Ranking/PostgresModelRegistry.cs), table ranker.models: one row per training, with
-- the model's bytes (ML.NET's zip format) once trained, its gate metrics and the feature schema it
-- was trained on. The active model is the newest published row; every silo polls for it.

CREATE SCHEMA IF NOT EXISTS ranker;

CREATE TABLE IF NOT EXISTS ranker.models (
    number        bigint      PRIMARY KEY,
    version       text        NOT NULL UNIQUE,
    status        text        NOT NULL,
    trained_at    timestamptz NOT NULL,
    metrics       jsonb       NOT NULL DEFAULT '{}',
    schema_hash   text        NOT NULL,
    window_start  timestamptz,
    window_end    timestamptz,
    trainer       text        NOT NULL DEFAULT '',
    note          text,
    model         bytea
);

CREATE SEQUENCE IF NOT EXISTS ranker.model_numbers;

CREATE INDEX IF NOT EXISTS models_published ON ranker.models (number DESC) WHERE status = 'published';
