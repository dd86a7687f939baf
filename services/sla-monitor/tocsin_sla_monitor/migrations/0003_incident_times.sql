-- When each incident (in its current cycle) triggered, was first acknowledged and resolved:
-- what MTTA and MTTR are computed from, independent of which SLA policies matched.
CREATE TABLE incident_times (
    incident_id      uuid PRIMARY KEY,
    service          text NOT NULL,
    severity         text NOT NULL,
    triggered_at     timestamptz NOT NULL,
    acknowledged_at  timestamptz,
    resolved_at      timestamptz
);
CREATE INDEX incident_times_triggered ON incident_times (triggered_at);
