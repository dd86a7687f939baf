"""Correlation quality: a seeded incident generator with ground truth, metrics, evaluation runs
and the backtest core. Pure: no I/O."""
