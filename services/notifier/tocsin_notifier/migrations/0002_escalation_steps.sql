-- Escalations driven by durable timers: the page within the cycle, the repeat round, the live
-- step timer, and the incident facts every later page carries.
ALTER TABLE escalations
    ADD COLUMN repeat_round integer NOT NULL DEFAULT 0,
    ADD COLUMN seq          integer NOT NULL DEFAULT 0,
    ADD COLUMN timer        text,
    ADD COLUMN incident     jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE escalations DROP CONSTRAINT escalations_status_check;
ALTER TABLE escalations ADD CONSTRAINT escalations_status_check
    CHECK (status IN ('active', 'acknowledged', 'exhausted', 'stopped'));

-- Whose turn it is at a round-robin level, across incidents.
CREATE TABLE round_robin (
    policy      text NOT NULL,
    level       integer NOT NULL,
    next_turn   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (policy, level)
);
