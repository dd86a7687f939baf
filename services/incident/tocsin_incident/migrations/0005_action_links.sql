-- One-click action links that have been used: recorded in the same transaction as the action,
-- so a link acts once and a second click can say when it was used.
CREATE TABLE used_action_links (
    link_id      text PRIMARY KEY,
    incident_id  uuid NOT NULL,
    action       text NOT NULL,
    actor_id     text NOT NULL,
    used_at      timestamptz NOT NULL
);
