"""`tocsin up`'s action-link secret: the configured one, else one made once per state dir."""

from __future__ import annotations

import stat
from pathlib import Path

from pydantic import SecretStr
from tocsin_cli.link_secret import FILE, link_secret
from tocsin_cli.settings import CliSettings


def test_a_secret_is_made_once_per_state_dir_and_kept_private(tmp_path: Path) -> None:
    settings = CliSettings(action_link_secret=None)
    first = link_secret(settings, tmp_path)
    assert len(first) >= 40
    assert link_secret(settings, tmp_path) == first  # links survive a restart
    assert stat.S_IMODE((tmp_path / FILE).stat().st_mode) == 0o600
    other = tmp_path / "other"
    other.mkdir()
    assert link_secret(settings, other) != first


def test_a_configured_secret_wins(tmp_path: Path) -> None:
    settings = CliSettings(action_link_secret=SecretStr("shared-by-both"))
    assert link_secret(settings, tmp_path) == "shared-by-both"
    assert not (tmp_path / FILE).exists()
