-- The lifecycle beyond trigger/acknowledge/resolve: assignment, priority, snooze, merge, and the
-- time of the last alert (auto-resolve counts inactivity from it). Snoozed is not a status: a
-- snoozed incident is acknowledged with snoozed_until set (docs/adr/0006-snooze.md).
ALTER TABLE incidents
    ADD COLUMN assignee      text,
    ADD COLUMN priority      text CHECK (priority IN ('P1', 'P2', 'P3', 'P4', 'P5')),
    ADD COLUMN snoozed_until timestamptz,
    ADD COLUMN last_alert_at timestamptz,
    ADD COLUMN merged_into   uuid REFERENCES incidents (id);
