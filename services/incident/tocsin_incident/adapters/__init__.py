"""Postgres and Kafka implementations of the incident service's ports."""
