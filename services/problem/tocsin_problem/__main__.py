"""`python -m tocsin_problem`: run the problem service."""

from tocsin_shared.serve import serve

from .bootstrap import build_app
from .settings import ProblemSettings


def main() -> None:
    settings = ProblemSettings()
    serve(settings, service="problem", build=lambda: build_app(settings))


if __name__ == "__main__":
    main()
