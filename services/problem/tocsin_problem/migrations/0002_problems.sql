-- Problems, their tasks, known errors, incident links, suggestions, history, and the stored
-- incident events that correlation and backtests replay.

-- What correlation needs of each incident beyond the projection.
ALTER TABLE observed_incidents
    ADD COLUMN labels   jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN template text;
-- Trend groups and co-occurrence look at one service's incidents over a time range.
CREATE INDEX observed_incidents_service_time ON observed_incidents (service, triggered_at);

-- Every incident event consumed, as received: the replayable log behind `problems backtest`.
CREATE TABLE incident_event_log (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source      text NOT NULL,
    event_id    text NOT NULL,
    type        text NOT NULL,
    incident_id uuid NOT NULL,
    occurred_at timestamptz NOT NULL,
    data        jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, event_id)
);
CREATE INDEX incident_event_log_time ON incident_event_log (occurred_at, seq);

-- One key per (incident, recurrence rule): the rule's count is an index range scan.
CREATE TABLE recurrence_keys (
    incident_id  uuid NOT NULL,
    rule         text NOT NULL,
    key          text NOT NULL,
    service      text NOT NULL,
    triggered_at timestamptz NOT NULL,
    PRIMARY KEY (incident_id, rule)
);
CREATE INDEX recurrence_keys_window ON recurrence_keys (rule, key, triggered_at);

-- PRB numbers people say out loud; taken before the insert so the created event can carry it.
CREATE SEQUENCE problem_numbers;

CREATE TABLE problems (
    problem_id     uuid PRIMARY KEY,
    number         bigint NOT NULL UNIQUE,
    statement      text NOT NULL,
    description    text NOT NULL DEFAULT '',
    service        text,
    component      text,
    category       text,
    impact         text,
    urgency        text,
    priority       text,
    assignee       text,
    workaround     text,
    cause_notes    text,
    cause_code     text,
    fix_notes      text,
    origin         text NOT NULL CHECK (origin IN ('rule', 'manual', 'trend')),
    rule           text,
    recurrence_key text,
    state          text NOT NULL CHECK (state IN (
                       'new', 'assess', 'root_cause_analysis', 'fix_in_progress',
                       'resolved', 'closed')),
    resolution     text CHECK (resolution IN (
                       'fix_applied', 'risk_accepted', 'duplicate', 'cancelled')),
    duplicate_of   uuid REFERENCES problems (problem_id),
    -- When the problem entered each state: {"new": "...", "assess": "...", ...}.
    state_times    jsonb NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    version        integer NOT NULL DEFAULT 1
);
-- At most one open problem per recurrence key, whatever the concurrency.
CREATE UNIQUE INDEX problems_open_key ON problems (recurrence_key)
    WHERE recurrence_key IS NOT NULL AND state NOT IN ('resolved', 'closed');
CREATE INDEX problems_state ON problems (state, updated_at DESC);
CREATE INDEX problems_service ON problems (service, state);

-- An incident belongs to at most one problem; a duplicate's links move to the survivor.
CREATE TABLE problem_links (
    incident_id uuid PRIMARY KEY,
    problem_id  uuid NOT NULL REFERENCES problems (problem_id),
    origin      text NOT NULL CHECK (origin IN (
                    'rule', 'similarity', 'known_error', 'manual', 'suggestion')),
    reason      jsonb NOT NULL,
    confidence  double precision,
    actor       jsonb NOT NULL,
    linked_at   timestamptz NOT NULL
);
CREATE INDEX problem_links_problem ON problem_links (problem_id, linked_at);

-- Distinct (service, template) pairs of each problem's incidents: what similarity compares to.
CREATE TABLE problem_templates (
    problem_id uuid NOT NULL REFERENCES problems (problem_id),
    service    text NOT NULL,
    template   text NOT NULL,
    last_seen  timestamptz NOT NULL,
    PRIMARY KEY (problem_id, service, template)
);
CREATE INDEX problem_templates_service ON problem_templates (service, last_seen);

CREATE TABLE problem_tasks (
    task_id     uuid PRIMARY KEY,
    problem_id  uuid NOT NULL REFERENCES problems (problem_id),
    kind        text NOT NULL CHECK (kind IN ('root_cause_analysis', 'general')),
    title       text NOT NULL,
    description text NOT NULL DEFAULT '',
    assignee    text,
    state       text NOT NULL CHECK (state IN ('open', 'in_progress', 'done', 'cancelled')),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX problem_tasks_problem ON problem_tasks (problem_id, created_at);

-- Signature: {"service": ..., "pattern": "<template with <*> wildcards>", "labels": {...}}.
CREATE TABLE known_errors (
    known_error_id uuid PRIMARY KEY,
    problem_id     uuid NOT NULL REFERENCES problems (problem_id),
    title          text NOT NULL,
    signature      jsonb NOT NULL,
    root_cause     text NOT NULL DEFAULT '',
    workaround     text NOT NULL,
    state          text NOT NULL CHECK (state IN ('draft', 'published', 'retired')),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX known_errors_published ON known_errors (state) WHERE state = 'published';
CREATE INDEX known_errors_problem ON known_errors (problem_id);

-- Below the auto-link threshold a person decides; a rejection is remembered by template.
CREATE TABLE link_suggestions (
    suggestion_id uuid PRIMARY KEY,
    problem_id    uuid NOT NULL REFERENCES problems (problem_id),
    incident_id   uuid NOT NULL,
    template      text NOT NULL,
    score         double precision NOT NULL,
    reason        jsonb NOT NULL,
    status        text NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected', 'obsolete')),
    created_at    timestamptz NOT NULL,
    decided_at    timestamptz,
    decided_by    jsonb,
    UNIQUE (problem_id, incident_id)
);
CREATE INDEX link_suggestions_pending ON link_suggestions (status, created_at);
CREATE INDEX link_suggestions_rejected ON link_suggestions (problem_id, template)
    WHERE status = 'rejected';

-- Every change to a problem, its tasks, links and known errors, with its actor.
CREATE TABLE problem_history (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    problem_id  uuid NOT NULL,
    occurred_at timestamptz NOT NULL,
    actor       jsonb NOT NULL,
    type        text NOT NULL,
    detail      jsonb NOT NULL
);
CREATE INDEX problem_history_problem ON problem_history (problem_id, seq);
