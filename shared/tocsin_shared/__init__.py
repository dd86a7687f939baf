"""Tocsin's shared kernel: contracts (events, topics) and plumbing, never business logic."""
