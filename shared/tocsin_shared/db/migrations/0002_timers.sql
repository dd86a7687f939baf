-- Durable timers: a row with a due time, claimed with FOR UPDATE SKIP LOCKED, so a restart or a
-- second replica neither loses nor doubles one. A late timer fires late, never not at all.
CREATE TABLE timers (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL,
    subject      text NOT NULL,
    due_at       timestamptz NOT NULL,
    payload      jsonb NOT NULL DEFAULT '{}'::jsonb,
    generation   integer NOT NULL DEFAULT 0,
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    fired_at     timestamptz,
    cancelled_at timestamptz,
    failed_at    timestamptz
);
-- One live timer per (kind, subject): scheduling again moves it.
CREATE UNIQUE INDEX timers_live ON timers (kind, subject)
    WHERE fired_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL;
CREATE INDEX timers_due ON timers (due_at)
    WHERE fired_at IS NULL AND cancelled_at IS NULL AND failed_at IS NULL;
