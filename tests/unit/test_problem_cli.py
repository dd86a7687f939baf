"""`tocsin problems …` against the real problem-management routers over the in-memory adapters:
the commands, their output, and failures as clear messages with exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tocsin_cli import incidents, problems
from tocsin_cli.errors import CliError
from tocsin_cli.main import parser, settings_for
from tocsin_problem.adapters.memory import MemoryStore
from tocsin_problem.domain.observed import ObservedIncident
from tocsin_problem.routes import management_routers
from tocsin_shared.clock import FakeClock
from tocsin_shared.contracts.events import IncidentStatus, Severity
from tocsin_shared.http.errors import install_error_handlers

from ..samples import RESPONDER_TOKEN, VIEWER_TOKEN, sample_config

CLOCK = FakeClock(datetime(2026, 3, 1, tzinfo=UTC))


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def api(store: MemoryStore) -> Iterator[TestClient]:
    app = FastAPI()
    install_error_handlers(app)
    for router in management_routers(config=sample_config(), uow_factory=store.uow, clock=CLOCK):
        app.include_router(router)
    with TestClient(app, base_url="http://problem") as client:
        yield client


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOCSIN_API_TOKEN", raising=False)


def cli(api: TestClient, *argv: str, token: str = RESPONDER_TOKEN) -> int:
    args = parser().parse_args(["problems", *argv, "--token", token])
    return problems.run_problems(args, settings_for(args), client=api)


def out(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out


async def _seen(store: MemoryStore) -> str:
    incident = ObservedIncident(
        incident_id=uuid4(),
        service="checkout",
        dedup_key="pool",
        summary="Connection pool exhausted on db-3",
        severity=Severity.ERROR,
        status=IncidentStatus.TRIGGERED,
        triggered_at=CLOCK.now(),
        updated_at=CLOCK.now(),
        last_event_type="tocsin.incident.triggered.v1",
    )
    async with store.uow() as uow:
        await uow.observed.put(incident)
        await uow.commit()
    return str(incident.incident_id)


async def test_a_problem_from_creation_to_close(
    api: TestClient, store: MemoryStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(api, "create", "Pool exhausted", "--service", "checkout", "--json") == 0
    created = json.loads(out(capsys))
    assert created["number"] == "PRB1" and created["state"] == "new"
    assert cli(api, "list", "--state", "new", token=VIEWER_TOKEN) == 0
    lines = out(capsys).splitlines()
    assert lines[0].split()[:2] == ["NUMBER", "STATE"] and lines[1].startswith("PRB1")

    incident = await _seen(store)
    assert cli(api, "link", "PRB1", incident, "--note", "same pool") == 0
    assert "origin: manual" in out(capsys)
    assert cli(api, "incident", incident, "--json", token=VIEWER_TOKEN) == 0
    assert json.loads(out(capsys))["link"]["reason"]["note"] == "same pool"

    assert cli(api, "tasks", "add", "PRB1", "find the leak", "--kind", "root_cause_analysis") == 0
    task_id = next(ln for ln in out(capsys).splitlines() if ln.startswith("id: ")).split()[1]
    assert cli(api, "tasks", "start", task_id) == 0
    assert "state: in_progress" in out(capsys)

    assert cli(api, "update", "PRB1", "--cause-notes", "pool too small") == 0
    for action in ("analyse", "start_fix"):
        assert cli(api, "act", "PRB1", action) == 0
    assert cli(api, "act", created["id"], "resolve", "--resolution", "cancelled") == 0
    assert "state: resolved" in out(capsys)
    assert cli(api, "act", "1", "close", "--json") == 0
    assert json.loads(out(capsys))["state"] == "closed"

    assert cli(api, "show", "PRB1", "--json", token=VIEWER_TOKEN) == 0
    shown = json.loads(out(capsys))
    assert [t["state"] for t in shown["tasks"]] == ["cancelled"]
    assert [link["incident_id"] for link in shown["links"]] == [incident]
    assert set(shown["state_times"]) == {
        "new", "root_cause_analysis", "fix_in_progress", "resolved", "closed"
    }  # fmt: skip
    assert cli(api, "history", "PRB1", token=VIEWER_TOKEN) == 0
    history = out(capsys)
    assert "tocsin.problem.incident_linked.v1" in history and "user:alice" in history


async def test_known_errors_and_suggestions(
    api: TestClient, store: MemoryStore, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(api, "create", "Pool exhausted")
    out(capsys)
    argv = ("known-errors", "create", "PRB1", "--title", "pool", "--workaround", "restart it")
    assert cli(api, *argv, "--pattern", "pool exhausted on <*>", "--label", "env=prod") == 0
    known_id = next(ln for ln in out(capsys).splitlines() if ln.startswith("id: ")).split()[1]
    assert cli(api, "known-errors", "publish", known_id) == 0
    assert "state: published" in out(capsys)
    assert cli(api, "known-errors", "update", known_id, "--workaround", "raise the pool") == 0
    out(capsys)
    assert cli(api, "known-errors", "list", "--problem", "PRB1", "--json", token=VIEWER_TOKEN) == 0
    listed = json.loads(out(capsys))["known_errors"]
    assert [(k["state"], k["workaround"]) for k in listed] == [("published", "raise the pool")]
    assert listed[0]["signature"]["labels"] == {"env": "prod"}
    assert cli(api, "suggestions", "list", token=VIEWER_TOKEN) == 0
    assert out(capsys).strip() == "no suggestions"


@pytest.mark.parametrize(
    ("argv", "token", "exit_code", "says"),
    [
        (("list",), "wrong", incidents.EXIT_AUTH, "401"),
        (("create", "x"), VIEWER_TOKEN, incidents.EXIT_AUTH, "403 forbidden"),
        (("show", "PRB99"), VIEWER_TOKEN, incidents.EXIT_NOT_FOUND, "404 not found"),
        (("act", "PRB1", "close"), RESPONDER_TOKEN, incidents.EXIT_CONFLICT, "cannot close"),
        (("act", "PRB1", "resolve"), RESPONDER_TOKEN, 1, "needs a resolution code"),
        (("act", "PRB1", "fly"), RESPONDER_TOKEN, 1, "422"),
        (("show", "../../x"), VIEWER_TOKEN, 2, "is not an id"),
        (("tasks", "start", "nope"), RESPONDER_TOKEN, 2, "is not an id"),
        (("update", "PRB1"), RESPONDER_TOKEN, 2, "nothing to change"),
        (
            ("link", "PRB1", str(UUID(int=1))),
            RESPONDER_TOKEN,
            incidents.EXIT_NOT_FOUND,
            "has not seen incident",
        ),
        (
            ("known-errors", "create", "PRB1", "--title", "t", "--workaround", "w",
             "--pattern", "<*>"),
            RESPONDER_TOKEN,
            1,
            "literal word",
        ),
    ],
)  # fmt: skip
def test_failures_are_clear_messages_with_their_exit_code(
    api: TestClient, argv: tuple[str, ...], token: str, exit_code: int, says: str
) -> None:
    cli(api, "create", "Pool exhausted")
    with pytest.raises(CliError) as failure:
        cli(api, *argv, token=token)
    assert failure.value.exit_code == exit_code
    assert says in str(failure.value)


async def test_linked_elsewhere_is_409_until_moved(
    api: TestClient, store: MemoryStore, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(api, "create", "first")
    cli(api, "create", "second")
    incident = await _seen(store)
    cli(api, "link", "PRB1", incident)
    with pytest.raises(CliError) as failure:
        cli(api, "link", "PRB2", incident)
    assert failure.value.exit_code == incidents.EXIT_CONFLICT
    assert "linked to PRB1; pass move: true" in str(failure.value)
    out(capsys)
    assert cli(api, "link", "PRB2", incident, "--move") == 0
    out(capsys)
    assert cli(api, "incident", incident, "--json", token=VIEWER_TOKEN) == 0
    assert json.loads(out(capsys))["problem"]["number"] == "PRB2"
    assert cli(api, "unlink", "PRB2", incident) == 0
    with pytest.raises(CliError, match="linked to no problem"):
        cli(api, "incident", incident, token=VIEWER_TOKEN)


def test_correlation_subcommands_run_through_their_own_entry() -> None:
    args = parser().parse_args(
        ["problems", "backtest", "--rules", "r.yaml", "--from", "a", "--to", "b"]
    )
    called: list[object] = []
    args.problems_run = lambda a, s: called.append(a) or 7
    assert problems.run_problems(args, settings_for(args)) == 7
    assert called == [args]
