"""The one error type the CLI shows to its user as a message, never as a traceback."""

from __future__ import annotations


class CliError(Exception):
    """Something the user can fix; `str()` says what and how."""

    def __init__(self, message: str, *, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
