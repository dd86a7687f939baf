"""Handlers: plain functions of (message, dependencies); no I/O of their own."""
