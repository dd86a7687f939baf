"""Postgres implementations of the SLA monitor's ports."""
