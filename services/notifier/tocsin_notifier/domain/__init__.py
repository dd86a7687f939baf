"""The notifier domain: pure, no I/O."""
