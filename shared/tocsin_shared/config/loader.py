"""Load and validate the YAML, mapping every error to its field path and source line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any

import yaml
from pydantic import ValidationError

from .models import TocsinConfig
from .references import Path, reference_problems


@dataclass(frozen=True)
class ConfigIssue:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "line ?"
        return f"{where}: {self.path or '<root>'}: {self.message}"


class ConfigError(ValueError):
    def __init__(self, source: str, issues: list[ConfigIssue]) -> None:
        self.source = source
        self.issues = issues
        super().__init__(f"{source}: {len(issues)} error(s)\n" + "\n".join(map(str, issues)))


def _lines(node: yaml.Node, path: Path, out: dict[Path, int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[(*path, key)] = key_node.start_mark.line + 1
            _lines(value_node, (*path, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*path, index), out)


def _line_for(path: Path, lines: dict[Path, int]) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def _dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def parse_config(text: str, *, source: str = "<config>") -> TocsinConfig:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(source, [ConfigIssue("", line, f"not valid YAML: {exc}")]) from exc
    lines: dict[Path, int] = {}
    if node is not None:
        _lines(node, (), lines)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(source, [ConfigIssue("", 1, "the top level must be a mapping")])
    try:
        config = TocsinConfig.model_validate(data)
    except ValidationError as exc:
        issues = []
        for error in exc.errors(include_url=False, include_input=False):
            loc: Path = tuple(p for p in error["loc"] if not _is_union_tag(p))
            issues.append(ConfigIssue(_dotted(loc), _line_for(loc, lines), error["msg"]))
        raise ConfigError(source, issues) from None
    problems = reference_problems(config)
    if problems:
        raise ConfigError(
            source, [ConfigIssue(_dotted(p), _line_for(p, lines), msg) for p, msg in problems]
        )
    return config


def _is_union_tag(part: str | int) -> bool:
    # pydantic adds the discriminator value (e.g. "webhook") to the location of a tagged union.
    return part in {"webhook"}


def load_config(path: FsPath) -> TocsinConfig:
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(
            str(path), [ConfigIssue("", None, f"cannot read: {exc.strerror}")]
        ) from exc
    return parse_config(text, source=str(path))
