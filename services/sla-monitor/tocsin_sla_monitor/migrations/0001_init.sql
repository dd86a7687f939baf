-- One clock per (incident, SLA policy): started by the trigger, stopped by acknowledge/resolve.
CREATE TABLE clocks (
    id           uuid PRIMARY KEY,
    incident_id  uuid NOT NULL,
    policy       text NOT NULL,
    target       text NOT NULL CHECK (target IN ('time_to_acknowledge', 'time_to_resolve')),
    started_at   timestamptz NOT NULL,
    due_at       timestamptz NOT NULL CHECK (due_at > started_at),
    state        text NOT NULL CHECK (state IN ('running', 'met', 'breached')),
    stopped_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (incident_id, policy)
);
