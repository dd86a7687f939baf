"""HTTP pieces every service mounts: health, readiness, metrics, error shapes."""
