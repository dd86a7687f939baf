"""`python -m tocsin_incident`: run the incident service."""

from tocsin_shared.serve import serve

from .bootstrap import build_app
from .settings import IncidentSettings


def main() -> None:
    settings = IncidentSettings()
    serve(settings, service="incident", build=lambda: build_app(settings))


if __name__ == "__main__":
    main()
