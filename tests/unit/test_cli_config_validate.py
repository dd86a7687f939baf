"""`tocsin config validate FILE`: OK with a summary, or every issue with its field path and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from tocsin_cli.main import main

VALID = """
version: 1
services:
  - name: checkout
    escalation_policy: checkout-default
integrations:
  - name: prom
    kind: alertmanager
    service: checkout
    key: "k"
channels:
  - name: ops-webhook
    type: webhook
    url: https://hooks.example.com/ops
    secret: s3cret
escalation_policies:
  - name: checkout-default
    levels:
      - targets: [{channel: ops-webhook}]
        delay_minutes: 5
sla_policies:
  - name: checkout-tta
    target: time_to_acknowledge
    minutes: 15
    services: [checkout]
"""


def validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> tuple[int, str, str, Path]:
    path = tmp_path / "tocsin.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    with pytest.raises(SystemExit) as exited:
        main(["config", "validate", str(path)])
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err, path


def test_a_valid_file_is_ok_with_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err, path = validate(tmp_path, capsys, VALID)

    assert code == 0, err
    assert out.strip().startswith(f"{path}: OK (1 services, 1 integrations, ")
    assert "1 escalation policies" in out
    assert "1 sla policies" in out
    assert err == ""


def test_bad_yaml_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err, _ = validate(
        tmp_path,
        capsys,
        """
        services:
          - name: checkout
        integrations: [ {name: prom, service: checkout
        """,
    )

    assert code == 1
    assert out == ""
    assert "not valid YAML" in err
    assert "line 3" in err or "line 4" in err


def test_a_wrong_type_names_field_path_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err, path = validate(
        tmp_path,
        capsys,
        """
        services:
          - name: checkout
        sla_policies:
          - name: checkout-ttr
            target: time_to_resolve
            minutes: soon
        """,
    )

    assert code == 1
    assert f"{path}: line 6: sla_policies[0].minutes:" in err


def test_an_unknown_reference_names_field_path_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err, path = validate(
        tmp_path,
        capsys,
        """
        services:
          - name: checkout
        integrations:
          - name: prom
            service: payments
            key: "k"
        """,
    )

    assert code == 1
    assert f"{path}: line 5: integrations[0].service: unknown service 'payments'" in err


def test_every_issue_is_reported_not_only_the_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err, _ = validate(
        tmp_path,
        capsys,
        """
        services:
          - name: Checkout Service
        integrations:
          - name: prom
            service: checkout
        colour: blue
        """,
    )

    assert code == 1
    assert "line 2: services[0].name:" in err
    assert "line 4: integrations[0]:" in err
    assert "line 6: colour:" in err
    assert "3 error(s)" in err


def test_a_missing_file_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["config", "validate", str(tmp_path / "absent.yaml")])

    assert exited.value.code == 1
    assert "cannot read" in capsys.readouterr().err
