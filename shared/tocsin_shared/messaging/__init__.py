"""Kafka plumbing: producer port, broker factory, reliable consumers, dead letters."""
