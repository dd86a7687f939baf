"""The captured payloads in the repo are the ones beside it (when the planning copy is there)."""

from __future__ import annotations

import pytest

from ..conftest import PAYLOADS, SHARED_PAYLOADS


def test_every_captured_payload_is_in_the_repo() -> None:
    names = {p.name for p in PAYLOADS.iterdir()}
    assert {"webhook-v4-firing.json", "mixed-group-sequence.jsonl"} <= names
    if not SHARED_PAYLOADS.is_dir():
        pytest.skip(f"no planning copy at {SHARED_PAYLOADS} to compare with")
    for shared in SHARED_PAYLOADS.iterdir():
        assert (PAYLOADS / shared.name).read_bytes() == shared.read_bytes(), shared.name
