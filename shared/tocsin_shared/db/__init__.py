"""Postgres plumbing: pool, migrations, transactional outbox and inbox."""
