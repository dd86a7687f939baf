"""The problem domain: pure, no I/O."""
