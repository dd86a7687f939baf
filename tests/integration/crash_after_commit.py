"""A real incident processor that SIGKILLs itself after its first database commit and before the
offset commit: exactly the crash window the inbox exists for. Run as a subprocess by a test."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from tocsin_incident.adapters.postgres import IncidentUnitOfWork
from tocsin_incident.raw_consumer import raw_alert_handler
from tocsin_shared.clock import SystemClock
from tocsin_shared.contracts.topics import ALERTS_RAW
from tocsin_shared.messaging.inbound import InboundMessage
from tocsin_shared.runtime import Runtime

from tests.integration.incident_runtime import incident_settings


async def main(dsn: str, bootstrap: str, prefix: str) -> None:
    settings = incident_settings(dsn=dsn, bootstrap=bootstrap, prefix=prefix)
    runtime = Runtime(settings, service="incident", schema="incident")
    inner = raw_alert_handler(
        uow_factory=lambda: IncidentUnitOfWork(runtime.pool, topic_prefix=prefix),
        clock=SystemClock(),
    )

    async def handle_then_die(message: InboundMessage) -> None:
        await inner(message)  # the transaction has committed when this returns
        os.kill(os.getpid(), signal.SIGKILL)

    runtime.consumer(topic=ALERTS_RAW, name="processor", handler=handle_then_die)
    await runtime.start()
    await asyncio.sleep(120)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
