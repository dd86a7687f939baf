"""What a handler receives: one Kafka record, broker-neutral."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InboundMessage:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, bytes]
    timestamp_ms: int

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return value.decode(errors="replace") if value is not None else None


class PoisonMessage(ValueError):
    """The message can never be processed (undecodable, invalid, unknown): dead-letter it now."""
