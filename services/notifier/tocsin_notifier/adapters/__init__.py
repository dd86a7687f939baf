"""Postgres and HTTP implementations of the notifier's ports."""
