"""Recurring co-occurrence: a recurrence key about to open a problem may be another face of an
open one (a second monitoring rule's wording of the same fault, firing beside it).

It runs where the recurrence step would open a problem (the first rule whose count reaches its
threshold). Its incidents (the unlinked earlier ones and this one) join the open problem P when
every one of them that fired near a linked incident (`RecurrenceCandidate.co_occurring`) fired
near P's and no other problem's, and those near P's fall in at least `min_episodes` episodes
(times more than `window_minutes` apart): one coincidence, flapping, is not a recurrence.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from tocsin_shared.config.models import CorrelationRule, CorrelationSettings
from tocsin_shared.contracts.events import LinkOrigin, LinkReason

from .model import Candidates, Decision, IncidentFacts, LinkTo


def episodes(times: Sequence[datetime], window: timedelta) -> int:
    ordered = sorted(times)
    return sum(
        1 for a, b in zip([None, *ordered], ordered, strict=False) if a is None or b - a > window
    )


def co_occurrence(
    facts: IncidentFacts,
    candidates: Candidates,
    *,
    rules: Sequence[CorrelationRule],
    settings: CorrelationSettings,
) -> Decision | None:
    co = settings.co_occurrence
    by_name = {r.name: r for r in rules}
    due = [
        rec
        for rec in candidates.recurrences
        if rec.rule in by_name and len(rec.prior_incident_ids) + 1 >= by_name[rec.rule].threshold
    ]
    if not co.enabled or not due:
        return None
    rec = due[0]
    near = {p for problems in rec.co_occurring.values() for p in problems}
    if len(near) != 1:
        return None
    (problem_id,) = near
    times = dict(zip(rec.prior_incident_ids, rec.prior_triggered_at, strict=True))
    times[facts.incident_id] = facts.triggered_at
    beside = [times[i] for i in rec.co_occurring if i in times]
    window = timedelta(minutes=co.window_minutes)
    count = episodes(beside, window)
    if count < co.min_episodes:
        return None
    share = round(len(beside) / len(times), 4)
    reason = LinkReason(
        origin=LinkOrigin.RULE,
        rule=rec.rule,
        recurrence_key=rec.key,
        template=facts.template,
        score=share,
        matched_incident_ids=rec.prior_incident_ids,
        note=f"{len(times)} incidents with this key; {len(beside)} fired within "
        f"{co.window_minutes:g} min of this problem's incidents, in {count} episodes",
    )
    return LinkTo(problem_id, reason, share, member_incident_ids=rec.prior_incident_ids)
