"""JSON shapes of the problem API: one function per thing shown. Problem numbers read PRB<n>."""

from __future__ import annotations

from typing import Any

from .domain.known_errors import KnownError
from .domain.links import Link, Suggestion
from .domain.problem import RECORDED, Problem
from .domain.tasks import ProblemTask
from .ports import HistoryEntry

_PROBLEM_FIELDS = RECORDED


def prb(number: int) -> str:
    return f"PRB{number}"


def problem_view(problem: Problem) -> dict[str, Any]:
    shown = {name: getattr(problem, name) for name in _PROBLEM_FIELDS}
    return {"id": problem.id, "number": prb(problem.number), **shown}


def problem_brief(problem: Problem) -> dict[str, Any]:
    return {
        "id": problem.id,
        "number": prb(problem.number),
        "statement": problem.statement,
        "state": problem.state,
        "service": problem.service,
    }


def link_view(link: Link) -> dict[str, Any]:
    return {
        "incident_id": link.incident_id,
        "problem_id": link.problem_id,
        "origin": link.origin,
        "reason": link.reason.model_dump(mode="json"),
        "confidence": link.confidence,
        "actor": link.actor.model_dump(),
        "linked_at": link.linked_at,
    }


def task_view(task: ProblemTask) -> dict[str, Any]:
    return {
        "id": task.id,
        "problem_id": task.problem_id,
        "kind": task.kind,
        "title": task.title,
        "description": task.description,
        "assignee": task.assignee,
        "state": task.state,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
    }


def known_error_view(known: KnownError) -> dict[str, Any]:
    return {
        "id": known.id,
        "problem_id": known.problem_id,
        "title": known.title,
        "signature": known.signature.as_dict(),
        "root_cause": known.root_cause,
        "workaround": known.workaround,
        "state": known.state,
        "created_at": known.created_at,
        "updated_at": known.updated_at,
    }


def suggestion_view(suggestion: Suggestion) -> dict[str, Any]:
    s = suggestion
    return {
        "id": s.id,
        "problem_id": s.problem_id,
        "incident_id": s.incident_id,
        "template": s.template,
        "score": s.score,
        "reason": s.reason.model_dump(mode="json"),
        "status": s.status,
        "created_at": s.created_at,
        "decided_at": s.decided_at,
        "decided_by": s.decided_by.model_dump() if s.decided_by else None,
    }


def history_view(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "occurred_at": entry.occurred_at,
        "actor": entry.actor.model_dump(),
        "type": entry.type,
        "detail": entry.detail,
    }
