"""`python -m tocsin_notifier`: run the notifier."""

from tocsin_shared.serve import serve

from .bootstrap import build_app
from .settings import NotifierSettings


def main() -> None:
    settings = NotifierSettings()
    serve(settings, service="notifier", build=lambda: build_app(settings))


if __name__ == "__main__":
    main()
