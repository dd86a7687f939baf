"""The incident domain: pure, no I/O. Changes go through the transition table and record events."""
