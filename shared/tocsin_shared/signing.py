"""HMAC-SHA256 signatures for outgoing webhooks: `v1=<hex>` over `<timestamp>.<body>`.

The timestamp is signed too, so a receiver that rejects old timestamps is safe from replays.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Tocsin-Signature"
TIMESTAMP_HEADER = "X-Tocsin-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def sign(secret: str, *, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify(
    secret: str, *, timestamp: int, body: bytes, signature: str, now: int, tolerance_s: int = 300
) -> bool:
    if abs(now - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp=timestamp, body=body), signature)
