-- The problem an incident is linked to ({id, number, statement}) and the workaround of the known
-- error it matched, both from the problem service's events; shown by the incident API.
ALTER TABLE incidents
    ADD COLUMN problem    jsonb,
    ADD COLUMN workaround text;
