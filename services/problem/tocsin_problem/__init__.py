"""Tocsin problem service: watches incidents to find recurring ones and manage their problems."""

from pathlib import Path

SCHEMA = "problem"
MIGRATIONS = Path(__file__).parent / "migrations"
