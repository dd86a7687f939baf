"""Tocsin SLA monitor: starts, stops and judges SLA clocks from incident events."""

from pathlib import Path

SCHEMA = "sla"
MIGRATIONS = Path(__file__).parent / "migrations"
