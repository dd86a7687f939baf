"""Correlation: incidents → problems by recurrence rules, similarity, trends and known errors."""
