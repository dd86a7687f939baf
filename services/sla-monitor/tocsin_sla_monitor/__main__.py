"""`python -m tocsin_sla_monitor`: run the SLA monitor."""

from tocsin_shared.serve import serve

from .bootstrap import build_app
from .settings import SlaSettings


def main() -> None:
    # Every field has a default; mypy misreads pydantic's positional Field defaults as required.
    settings = SlaSettings()  # type: ignore[call-arg]
    serve(settings, service="sla-monitor", build=lambda: build_app(settings))


if __name__ == "__main__":
    main()
