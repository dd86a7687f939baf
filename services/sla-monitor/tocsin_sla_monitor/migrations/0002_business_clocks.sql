-- Clocks on business calendars: a budget consumed while running, cycles (reset on reopen),
-- pauses, warnings at N % and a generation that invalidates older threshold timers.
ALTER TABLE clocks DROP CONSTRAINT clocks_target_check;
ALTER TABLE clocks DROP CONSTRAINT clocks_state_check;
ALTER TABLE clocks DROP CONSTRAINT clocks_incident_id_policy_key;
ALTER TABLE clocks ADD CONSTRAINT clocks_state_check
    CHECK (state IN ('running', 'paused', 'met', 'breached', 'cancelled'));
ALTER TABLE clocks
    ADD COLUMN cycle         integer NOT NULL DEFAULT 0,
    ADD COLUMN budget_s      double precision,
    ADD COLUMN service       text NOT NULL DEFAULT '',
    ADD COLUMN severity      text NOT NULL DEFAULT 'critical',
    ADD COLUMN calendar      text NOT NULL DEFAULT '24x7',
    ADD COLUMN thresholds    double precision[] NOT NULL DEFAULT '{100}',
    ADD COLUMN fired         double precision[] NOT NULL DEFAULT '{}',
    ADD COLUMN consumed_s    double precision NOT NULL DEFAULT 0,
    ADD COLUMN segment_start timestamptz,
    ADD COLUMN generation    integer NOT NULL DEFAULT 0,
    ADD COLUMN breached_at   timestamptz;
UPDATE clocks SET budget_s = extract(epoch FROM due_at - started_at),
    segment_start = CASE WHEN state = 'running' THEN started_at END,
    consumed_s = CASE WHEN stopped_at IS NULL THEN 0
                      ELSE extract(epoch FROM stopped_at - started_at) END;
ALTER TABLE clocks ALTER COLUMN budget_s SET NOT NULL;
ALTER TABLE clocks ADD CONSTRAINT clocks_incident_policy_cycle UNIQUE (incident_id, policy, cycle);
CREATE INDEX clocks_open ON clocks (service, severity) WHERE state IN ('running', 'paused');
CREATE INDEX clocks_stopped ON clocks (stopped_at) WHERE stopped_at IS NOT NULL;

-- The walking skeleton's running clocks had no timers: give each its breach timer.
INSERT INTO timers (kind, subject, due_at, payload)
SELECT 'sla.threshold', id::text || '/100/0', due_at, jsonb_build_object('generation', 0)
FROM clocks WHERE state = 'running';
