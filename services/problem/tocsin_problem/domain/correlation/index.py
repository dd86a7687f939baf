"""What the candidate queries read, kept in memory as the service keeps it in Postgres
(recurrence_keys, problem_links, problem_templates, observed_incidents, link_suggestions).

The candidate definitions (which the service's SQL must match), for an incident I of service S
triggered at t:
- recurrences: per rule that applies to S, in config order: key = recurrence_key(I, rule);
  prior ids = incidents recorded earlier under (rule, key) with triggered_at in
  [t - rule.window_days, t] and no problem link; the open problem whose recurrence_key = key;
  once the count reaches the rule's threshold, `co_occurring` as `RecurrenceCandidate` says.
- problems: open problems having a (service, template) pair, from their linked incidents, with
  service in scope(S) = S, the services in S.depends_on, and those whose depends_on holds S, and
  last_seen (latest triggered_at of a linked incident with that pair) ≥ t - similarity.window_days;
  with each pair, that latest incident (`examples`, named in similarity reasons).
- trends: incidents of S recorded earlier, triggered_at in [t - similarity.window_days, t], with
  no problem link, grouped by template.
- known errors: every published one. Rejected: problems with a rejected suggestion of I's template.
An incident is recorded (its keys, its trend entry) after its own decision, whatever it was.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from uuid import UUID

from tocsin_shared.config.models import CorrelationRule, CorrelationSettings, Service

from .model import (
    Candidates,
    IncidentFacts,
    KnownErrorSignature,
    ProblemCandidate,
    RecurrenceCandidate,
    TrendGroup,
    recurrence_key,
)

_MIN_ID = UUID(int=0)


class CorrelationIndex:
    def __init__(
        self,
        *,
        rules: Sequence[CorrelationRule],
        settings: CorrelationSettings,
        services: Iterable[Service] = (),
    ) -> None:
        self.rules = list(rules)
        self.settings = settings
        self.scope: dict[str, set[str]] = defaultdict(set)
        for service in services:
            for dep in service.depends_on:
                self.scope[service.name].add(dep)
                self.scope[dep].add(service.name)
        self.link_of: dict[UUID, UUID] = {}  # incident → problem
        self.open_problems: set[UUID] = set()
        self.open_by_key: dict[str, UUID] = {}
        self.rejected: dict[str, set[UUID]] = defaultdict(set)  # template → problems
        self._keys: dict[tuple[str, str], list[tuple[datetime, UUID]]] = defaultdict(list)
        # service → (problem id, template) → (last_seen, the incident last seen)
        self._templates: dict[str, dict[tuple[UUID, str], tuple[datetime, UUID]]] = defaultdict(
            dict
        )
        # service → template → unlinked incident id → triggered_at (insertion = time order)
        self._unlinked: dict[str, dict[str, dict[UUID, datetime]]] = defaultdict(dict)
        self._expiry: dict[str, deque[tuple[datetime, str, UUID]]] = defaultdict(deque)
        # service → (triggered_at, incident id) of its linked incidents, sorted
        self._linked: dict[str, list[tuple[datetime, UUID]]] = defaultdict(list)

    def candidates(
        self, facts: IncidentFacts, *, known_errors: Sequence[KnownErrorSignature] = ()
    ) -> Candidates:
        t = facts.triggered_at
        recurrences = []
        for rule in self.rules:
            if not rule.applies_to(facts.service):
                continue
            key = recurrence_key(facts, rule)
            since = t - timedelta(days=rule.window_days)
            prior = [
                (at, i)
                for at, i in self._keys.get((rule.name, key), ())
                if since <= at <= t and i not in self.link_of and i != facts.incident_id
            ]
            due = len(prior) + 1 >= rule.threshold
            members = [*prior, (t, facts.incident_id)]
            recurrences.append(
                RecurrenceCandidate(
                    rule=rule.name,
                    key=key,
                    prior_incident_ids=tuple(i for _, i in prior),
                    open_problem_id=self.open_by_key.get(key),
                    prior_triggered_at=tuple(at for at, _ in prior),
                    co_occurring=self._co_occurring(facts, members) if due else {},
                )
            )
        return Candidates(
            recurrences=tuple(recurrences),
            problems=self._problems(facts),
            trends=self._trends(facts),
            known_errors=tuple(known_errors),
            rejected_problem_ids=frozenset(self.rejected.get(facts.template, ())),
        )

    def _problems(self, facts: IncidentFacts) -> tuple[ProblemCandidate, ...]:
        since = facts.triggered_at - timedelta(days=self.settings.similarity.window_days)
        pairs: dict[UUID, dict[tuple[str, str], UUID]] = defaultdict(dict)
        for service in sorted({facts.service} | self.scope[facts.service]):
            for (pid, template), (seen, example) in self._templates[service].items():
                if seen >= since and pid in self.open_problems:
                    pairs[pid][(service, template)] = example
        return tuple(ProblemCandidate(pid, tuple(p), p) for pid, p in pairs.items())

    def _trends(self, facts: IncidentFacts) -> tuple[TrendGroup, ...]:
        t = facts.triggered_at
        since = t - timedelta(days=self.settings.similarity.window_days)
        return tuple(
            TrendGroup(template, ids)
            for template, members in self._unlinked[facts.service].items()
            if (ids := tuple(i for i, at in members.items() if since <= at <= t))
        )

    def _co_occurring(
        self, facts: IncidentFacts, members: list[tuple[datetime, UUID]]
    ) -> dict[UUID, frozenset[UUID]]:
        co = self.settings.co_occurrence
        if not co.enabled:
            return {}
        window = timedelta(minutes=co.window_minutes)
        services = {facts.service}
        if co.across_dependencies:
            services |= self.scope[facts.service]
        found: dict[UUID, frozenset[UUID]] = {}
        for at, incident_id in members:
            problems = set()
            for service in services:
                linked = self._linked[service]
                for when, other in linked[bisect_left(linked, (at - window, _MIN_ID)) :]:
                    if when > at + window:
                        break
                    if self.link_of[other] in self.open_problems:
                        problems.add(self.link_of[other])
            if problems:
                found[incident_id] = frozenset(problems)
        return found

    def record(self, facts: IncidentFacts) -> None:
        for rule in self.rules:
            if rule.applies_to(facts.service):
                entries = self._keys[(rule.name, recurrence_key(facts, rule))]
                since = facts.triggered_at - timedelta(days=rule.window_days)
                while entries and entries[0][0] < since:
                    entries.pop(0)
                entries.append((facts.triggered_at, facts.incident_id))
        by_template = self._unlinked[facts.service]
        by_template.setdefault(facts.template, {})[facts.incident_id] = facts.triggered_at
        expiry = self._expiry[facts.service]
        expiry.append((facts.triggered_at, facts.template, facts.incident_id))
        since = facts.triggered_at - timedelta(days=self.settings.similarity.window_days)
        while expiry and expiry[0][0] < since:
            _, template, incident_id = expiry.popleft()
            members = by_template.get(template, {})
            members.pop(incident_id, None)
            if not members:
                by_template.pop(template, None)

    def linked(self, facts: IncidentFacts, problem_id: UUID) -> None:
        self.link_of[facts.incident_id] = problem_id
        insort(self._linked[facts.service], (facts.triggered_at, facts.incident_id))
        seen = self._templates[facts.service]
        pair = (problem_id, facts.template)
        if pair not in seen or seen[pair][0] <= facts.triggered_at:
            seen[pair] = (facts.triggered_at, facts.incident_id)
        self._unlinked[facts.service].get(facts.template, {}).pop(facts.incident_id, None)

    def opened(self, problem_id: UUID, recurrence_key: str | None) -> None:
        self.open_problems.add(problem_id)
        if recurrence_key is not None:
            self.open_by_key[recurrence_key] = problem_id

    def closed(self, problem_id: UUID) -> None:
        self.open_problems.discard(problem_id)
        for key in [k for k, p in self.open_by_key.items() if p == problem_id]:
            del self.open_by_key[key]
