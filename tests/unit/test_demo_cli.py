"""`tocsin demo`'s setup: what it takes from the example config, and the clear messages (never a
traceback) when the config cannot carry the story or the system is not running."""

from __future__ import annotations

from pathlib import Path

import pytest
from tocsin_cli.demo_setup import plan_from
from tocsin_cli.embedded import free_port
from tocsin_cli.errors import CliError
from tocsin_cli.main import main
from tocsin_cli.settings import CliSettings

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "deploy" / "tocsin.example.yaml"


def test_the_example_config_carries_the_whole_story() -> None:
    plan = plan_from(CliSettings(config=EXAMPLE, kafka_port=19092), service="shop")
    assert plan.pager.url == "http://127.0.0.1:8099/demo-pager"
    assert (plan.pager.host, plan.pager.port, plan.pager.path) == ("127.0.0.1", 8099, "/demo-pager")
    assert plan.levels == ("channel demo-pager", "dana")
    assert plan.escalate_after_s == 15
    assert plan.sla is not None and plan.sla.name == "shop-tta" and plan.sla_s == 30
    assert plan.alertmanager_key == "dev-shop-alertmanager-key"
    assert plan.token == "dev-responder-token"
    assert plan.kafka_bootstrap == "127.0.0.1:19092"
    assert plan.urls["incident"] == "http://127.0.0.1:8080"


def test_a_given_token_wins_over_the_configs() -> None:
    settings = CliSettings(config=EXAMPLE, api_token="mine")  # type: ignore[arg-type]
    assert plan_from(settings, service="shop").token == "mine"


def test_a_service_the_demo_cannot_use_is_named(tmp_path: Path) -> None:
    with pytest.raises(CliError, match="no service 'nope' with an escalation policy"):
        plan_from(CliSettings(config=EXAMPLE), service="nope")
    remote = tmp_path / "remote.yaml"
    remote.write_text(
        EXAMPLE.read_text().replace("http://127.0.0.1:8099/demo-pager", "https://pager.example/x")
    )
    with pytest.raises(CliError, match="pages no webhook on this machine"):
        plan_from(CliSettings(config=remote), service="shop")


def test_not_running_is_a_message_and_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    ports = [str(free_port()) for _ in range(4)]
    argv = ["demo", "--config", str(EXAMPLE)]
    for option, port in zip(
        ("--incident-port", "--problem-port", "--sla-monitor-port", "--notifier-port"),
        ports,
        strict=True,
    ):
        argv += [option, port]
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 3
    err = capsys.readouterr().err
    assert "Tocsin is not running" in err and "make run" in err
    assert "Traceback" not in err
