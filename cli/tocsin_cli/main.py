"""The `tocsin` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import demo, incidents, notifications, problems, sla
from .errors import CliError
from .services import NAMES, SERVICES
from .settings import CliSettings

# Options that override a CliSettings field of the same name; None means "not given".
_SETTING_OPTIONS = (
    "config",
    "state_dir",
    "tansu_bin",
    "kafka_port",
    "services",
    "api_url",
    "api_token",
)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="tocsin", description="Tocsin: self-hosted incident and problem management."
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser(
        "up",
        help="run everything on this machine (embedded Postgres and Kafka unless named)",
        description="Start Postgres and Tansu (unless TOCSIN_DATABASE_URL / "
        "TOCSIN_KAFKA_BOOTSTRAP_SERVERS name external ones), create topics, migrate, "
        "then run and supervise the services until Ctrl-C.",
    )
    up.add_argument("--config", type=Path, help="the Tocsin YAML (env TOCSIN_CONFIG)")
    up.add_argument("--state-dir", type=Path, help="Postgres data, logs (env TOCSIN_STATE_DIR)")
    for spec in SERVICES:
        up.add_argument(
            spec.port_option,
            dest=spec.port_setting,
            type=int,
            help=f"{spec.name} HTTP port (env {spec.port_env}, default {spec.default_port})",
        )
    up.add_argument(
        "--kafka-port", type=int, help="embedded broker port (env TOCSIN_KAFKA_PORT, default 9092)"
    )
    up.add_argument("--tansu-bin", help="path to the tansu binary (env TOCSIN_TANSU_BIN)")
    up.add_argument(
        "--services", help=f"comma-separated subset to run (default all: {','.join(NAMES)})"
    )

    migrate = commands.add_parser(
        "migrate", help="apply every service's migrations to TOCSIN_DATABASE_URL"
    )
    migrate.add_argument("--services", help="comma-separated subset (default all)")

    topics = commands.add_parser("topics", help="Kafka topics")
    topics_commands = topics.add_subparsers(dest="topics_command", required=True, metavar="ACTION")
    topics_commands.add_parser(
        "create", help="create missing topics on TOCSIN_KAFKA_BOOTSTRAP_SERVERS"
    )

    commands.add_parser(
        "setup", help="create topics and apply migrations (a deployment's one-shot job)"
    )

    config = commands.add_parser("config", help="the Tocsin YAML")
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    validate = config_commands.add_parser("validate", help="check a config file; exit 1 if bad")
    validate.add_argument("file", type=Path)

    serve = commands.add_parser("serve", help="run one service in the foreground")
    serve.add_argument("service", choices=NAMES)
    incidents.add_parser(commands)
    sla.add_parser(commands)
    notifications.add_parser(commands)
    problems.add_problem_commands(commands)
    demo.add_parser(commands)
    return root


def settings_for(args: argparse.Namespace) -> CliSettings:
    names = (*_SETTING_OPTIONS, *(s.port_setting for s in SERVICES))
    given: dict[str, Any] = {n: v for n in names if (v := getattr(args, n, None)) is not None}
    try:
        return CliSettings(**given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise CliError(f"invalid settings: {problems}", exit_code=2) from None


def _configure_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("tocsin").setLevel(logging.INFO)
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def run(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    _configure_logging()
    if args.command == "config":
        from .commands import config_validate

        return config_validate(args.file)
    if args.command == "serve":
        from .commands import serve

        return serve(args.service)
    settings = settings_for(args)
    if args.command == "incidents":
        return incidents.run_incidents(args, settings)
    if args.command == "sla":
        return sla.run_sla(args, settings)
    if args.command == "notifications":
        return notifications.run_notifications(args, settings)
    if args.command == "problems":
        return problems.run_problems(args, settings)
    if args.command == "demo":
        return demo.run_demo(args, settings)
    if args.command == "up":
        from .up import up

        return up(settings)
    if args.command == "migrate":
        from .commands import run_migrate

        return asyncio.run(run_migrate(settings))
    if args.command == "setup":
        from .commands import run_setup

        return asyncio.run(run_setup(settings))
    from .commands import run_topics_create

    return asyncio.run(run_topics_create(settings))


def main(argv: Sequence[str] | None = None) -> None:
    try:
        code = run(argv)
    except CliError as exc:
        print(f"tocsin: {exc}", file=sys.stderr)
        code = exc.exit_code
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
