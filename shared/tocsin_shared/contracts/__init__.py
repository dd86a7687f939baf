"""Contracts between services: topics and event models. A schema change is a new version."""
