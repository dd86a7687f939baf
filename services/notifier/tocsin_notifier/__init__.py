"""Tocsin notifier: escalation, channels, and a ledger that never loses or doubles a page."""

from pathlib import Path

SCHEMA = "notifier"
MIGRATIONS = Path(__file__).parent / "migrations"
