-- What the problem service has seen of each incident: the ground that correlation builds on.
CREATE TABLE observed_incidents (
    incident_id     uuid PRIMARY KEY,
    service         text NOT NULL,
    dedup_key       text NOT NULL,
    summary         text NOT NULL,
    severity        text NOT NULL,
    status          text NOT NULL CHECK (status IN ('triggered', 'acknowledged', 'resolved')),
    -- Known only once the triggered event itself was seen (it may predate this consumer's log).
    triggered_at    timestamptz,
    updated_at      timestamptz NOT NULL,
    last_event_type text NOT NULL
);
-- Recurrence is counted per (service, dedup key) within a time window.
CREATE INDEX observed_incidents_recurrence
    ON observed_incidents (service, dedup_key, triggered_at);
CREATE INDEX observed_incidents_recent ON observed_incidents (updated_at DESC, incident_id);
