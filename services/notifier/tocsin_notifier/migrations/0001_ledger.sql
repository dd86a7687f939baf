-- Escalation state per incident (the first level only for now; timers come with escalation).
CREATE TABLE escalations (
    incident_id  uuid PRIMARY KEY,
    service      text NOT NULL,
    policy       text,
    level        integer NOT NULL DEFAULT 0,
    cycle        integer NOT NULL DEFAULT 0,
    status       text NOT NULL CHECK (status IN ('active', 'stopped')),
    stopped_by   text,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- The delivery ledger: a row exists before anything is sent.
CREATE TABLE notifications (
    id                uuid PRIMARY KEY,
    idempotency_key   text NOT NULL UNIQUE,
    incident_id       uuid NOT NULL,
    channel           text NOT NULL,
    target            text NOT NULL,
    level             integer NOT NULL,
    payload           jsonb NOT NULL,
    status            text NOT NULL
                      CHECK (status IN ('pending', 'sending', 'delivered', 'dead', 'cancelled')),
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz,
    claimed_until     timestamptz,
    last_error        text,
    last_status_code  integer,
    created_at        timestamptz NOT NULL DEFAULT now(),
    delivered_at      timestamptz
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notifications_leased ON notifications (claimed_until) WHERE status = 'sending';
CREATE INDEX notifications_by_incident ON notifications (incident_id, created_at);
