"""Tocsin incident service: ingest, dedup into incidents, lifecycle."""

from pathlib import Path

SCHEMA = "incident"
MIGRATIONS = Path(__file__).parent / "migrations"
