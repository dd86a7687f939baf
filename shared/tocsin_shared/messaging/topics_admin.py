"""Create the registry's topics with their partition counts (idempotent)."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from ..contracts.topics import ALL_TOPICS, TopicSpec

_TOPIC_EXISTS = 36


async def ensure_topics(
    bootstrap_servers: str, *, prefix: str = "", topics: tuple[TopicSpec, ...] = ALL_TOPICS
) -> list[str]:
    """Create what is missing; return the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="tocsin-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [t for t in topics if t.qualified(prefix) not in existing]
        if not wanted:
            return []
        response = await admin.create_topics(
            [NewTopic(t.qualified(prefix), t.partitions, replication_factor=1) for t in wanted]
        )
        created = []
        for name, code, *rest in response.topic_errors:
            if code not in (0, _TOPIC_EXISTS):
                raise RuntimeError(f"creating topic {name} failed: error {code} {rest}")
            created.append(name)
        return created
    finally:
        await admin.close()
