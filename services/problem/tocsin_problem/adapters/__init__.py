"""Postgres implementations of the problem service's ports."""
