-- The listing walks created_seq newest first; these let its common filters do the same.
CREATE INDEX incidents_by_status ON incidents (status, created_seq DESC);
CREATE INDEX incidents_by_service ON incidents (service, created_seq DESC);
CREATE INDEX incidents_by_triggered_at ON incidents (triggered_at);
