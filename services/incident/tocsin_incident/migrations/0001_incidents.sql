CREATE TABLE incidents (
    id              uuid PRIMARY KEY,
    service         text NOT NULL,
    dedup_key       text NOT NULL,
    summary         text NOT NULL,
    severity        text NOT NULL,
    source          text NOT NULL,
    status          text NOT NULL CHECK (status IN ('triggered', 'acknowledged', 'resolved')),
    labels          jsonb NOT NULL DEFAULT '{}'::jsonb,
    alert_count     integer NOT NULL,
    first_seen      timestamptz NOT NULL,
    last_seen       timestamptz NOT NULL,
    triggered_at    timestamptz NOT NULL,
    acknowledged_at timestamptz,
    resolved_at     timestamptz,
    created_seq     bigserial
);
-- At most one open incident per dedup key, whatever the concurrency.
CREATE UNIQUE INDEX incidents_one_open_per_key ON incidents (service, dedup_key)
    WHERE status <> 'resolved';
CREATE INDEX incidents_listing ON incidents (created_seq DESC);

-- Every accepted alert, with what it did: nothing accepted is ever silently dropped.
CREATE TABLE alerts (
    alert_id     uuid PRIMARY KEY,
    incident_id  uuid REFERENCES incidents (id),
    integration  text NOT NULL,
    action       text NOT NULL,
    outcome      text NOT NULL,
    dedup_key    text NOT NULL,
    payload      jsonb NOT NULL,
    received_at  timestamptz NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_by_incident ON alerts (incident_id, received_at);

CREATE TABLE timeline (
    id           bigserial PRIMARY KEY,
    incident_id  uuid NOT NULL REFERENCES incidents (id),
    at           timestamptz NOT NULL,
    kind         text NOT NULL,
    actor_kind   text NOT NULL,
    actor_id     text NOT NULL,
    detail       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX timeline_by_incident ON timeline (incident_id, id);
