-- The known workaround of the known error an incident matched (from the problem service), kept by
-- incident id so a page written later carries it even when the match came before the trigger.
CREATE TABLE known_workarounds (
    incident_id     uuid PRIMARY KEY,
    problem_id      uuid NOT NULL,
    problem_number  integer NOT NULL,
    known_error_id  uuid NOT NULL,
    title           text NOT NULL,
    workaround      text NOT NULL,
    root_cause      text,
    matched_at      timestamptz NOT NULL
);
