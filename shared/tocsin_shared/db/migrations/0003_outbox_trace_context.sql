-- The W3C trace context (traceparent/tracestate) of the span that emitted the event, so that the
-- relay's publish continues that trace (ADR 0011). NULL when the event was emitted outside a span.
ALTER TABLE outbox ADD COLUMN trace_context jsonb;
