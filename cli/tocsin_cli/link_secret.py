"""The secret `tocsin up` gives both the notifier (which signs one-click acknowledge / resolve
links) and the incident service (which verifies them): TOCSIN_ACTION_LINK_SECRET when set, else
one made once per state directory, so a development system has working links out of the box
without a well-known default that would let anyone forge them."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .settings import CliSettings

FILE = "action-link-secret"


def link_secret(settings: CliSettings, state_dir: Path) -> str:
    if settings.action_link_secret is not None:
        return settings.action_link_secret.get_secret_value()
    path = state_dir / FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    made = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w") as out:
        out.write(made)
    return made
