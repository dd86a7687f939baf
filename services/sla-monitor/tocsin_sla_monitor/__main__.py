"""`python -m tocsin_sla_monitor`: run the SLA monitor."""

from tocsin_shared.serve import serve

from .bootstrap import build_app
from .settings import SlaSettings


def main() -> None:
    settings = SlaSettings()
    serve(settings, service="sla-monitor", build=lambda: build_app(settings))


if __name__ == "__main__":
    main()
