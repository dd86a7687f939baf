-- The W3C trace context of the span that requested the page, so that its delivery, which happens
-- later from this ledger, continues the same trace (ADR 0011). NULL when requested outside a span
-- (an escalation step fired by a timer).
ALTER TABLE notifications ADD COLUMN trace_context jsonb;
