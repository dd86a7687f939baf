-- Silences: label matchers over an alert's labels plus `service` and `severity`, for a time range.
CREATE TABLE silences (
    id          uuid PRIMARY KEY,
    matchers    jsonb NOT NULL,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    created_by  text NOT NULL,
    comment     text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    expired_at  timestamptz,
    expired_by  text,
    created_seq bigserial,
    CHECK (ends_at >= starts_at)
);
-- The processor loads only what is not yet over.
CREATE INDEX silences_live ON silences (ends_at) WHERE expired_at IS NULL;

CREATE TABLE maintenance_windows (
    id          uuid PRIMARY KEY,
    services    text[] NOT NULL,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    created_by  text NOT NULL,
    comment     text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    expired_at  timestamptz,
    expired_by  text,
    created_seq bigserial,
    CHECK (ends_at >= starts_at)
);
CREATE INDEX maintenance_windows_live ON maintenance_windows (ends_at) WHERE expired_at IS NULL;

-- Heartbeats are defined in the config; this is their state, one row from the first ping on.
CREATE TABLE heartbeats (
    name         text PRIMARY KEY,
    state        text NOT NULL CHECK (state IN ('never', 'ok', 'missed')),
    last_ping_at timestamptz,
    next_due_at  timestamptz,
    missed_at    timestamptz
);
