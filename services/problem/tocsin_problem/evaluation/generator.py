"""A seeded generator of incident streams with ground truth: the fault id is the true problem.

A small dependency graph of services (`depends_on` points to services later in a fixed order, so
it has no cycle). Each service carries faults (a fault = a fault type on a service; with
`confounder_probability` a service gets a pair of alike-worded fault types, see
catalogue.CONFOUNDERS). Each fault recurs as a Poisson process over the weeks. One occurrence:
- on one host of the service, each of the fault type's variants (monitoring rules) fires with
  `variant_probability` (at least one fires), an incident each, dedup key rule+service+host;
- each fired incident flaps with `flap_probability`: re-triggers (same dedup key, new incident)
  up to `max_flaps` times within the hour;
- each service depending on the faulty one reports a symptom with `symptom_probability`; with
  `generic_symptom_probability` the symptom says nothing of the cause (ambiguous by design);
- numbers, hosts, pods, ids and quoted values vary every time.
Noise: `noise_per_week` one-off incidents on random services, each its own fault, worded from
combinations drawn without replacement (some share words: an honest trap for similarity).
The generator knows nothing of the engine; its knobs are the fields of `GeneratorSettings`.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import product
from uuid import UUID

from tocsin_shared.config.models import Service

from ..domain.correlation.model import IncidentFacts
from .catalogue import (
    CONFOUNDERS,
    FAULT_TYPES,
    GENERIC_SYMPTOMS,
    NOISE_DETAILS,
    NOISE_EVENTS,
    NOISE_SUBJECTS,
    SERVICE_NAMES,
    SPECIFIC_SYMPTOM,
    FaultType,
)

_BY_NAME = {f.name: f for f in FAULT_TYPES}


@dataclass(frozen=True)
class GeneratorSettings:
    services: int = 12
    weeks: int = 12
    faults_per_service: tuple[int, int] = (1, 3)
    confounder_probability: float = 0.5
    occurrences_per_week: tuple[float, float] = (0.15, 1.2)
    variant_probability: float = 0.6
    flap_probability: float = 0.25
    max_flaps: int = 3
    symptom_probability: float = 0.5
    generic_symptom_probability: float = 0.3
    noise_per_week: float = 6.0
    hosts_per_service: tuple[int, int] = (2, 6)
    start: datetime = datetime(2026, 1, 5, tzinfo=UTC)


@dataclass(frozen=True)
class GeneratedIncident:
    facts: IncidentFacts
    fault_id: str
    kind: str  # primary | flap | symptom | noise


@dataclass(frozen=True)
class Stream:
    seed: int
    incidents: tuple[GeneratedIncident, ...]
    services: tuple[Service, ...]
    faults: dict[str, str] = field(default_factory=dict)  # fault id → fault type

    def truth(self) -> dict[UUID, str]:
        return {g.facts.incident_id: g.fault_id for g in self.incidents}


class _Gen:
    def __init__(self, seed: int, settings: GeneratorSettings) -> None:
        self.rng = random.Random(seed)
        self.s = settings
        self.out: list[GeneratedIncident] = []
        self.hosts: dict[str, list[str]] = {}

    def fill(self, text: str, *, service: str, host: str, **extra: str) -> str:
        r = self.rng
        values = {
            "host": host,
            "pod": f"{service}-{self._hex(10)}-{self._hex(5)}",
            "n": str(r.randint(2, 5000)),
            "pct": str(r.randint(80, 100)),
            "ms": str(r.randint(250, 30_000)),
            "hex": self._hex(12),
            "fqdn": f"{service}.internal.example.com",
            "quoted": f"'{r.choice(['orders', 'payments', 'tenant-' + self._hex(4)])}'",
            "endpoint": r.choice(["/api/v1/orders", "/api/v1/items", "/checkout/submit"]),
            **extra,
        }
        return text.format(**values)

    def _hex(self, n: int) -> str:
        return "".join(self.rng.choice(string.hexdigits[:16]) for _ in range(n))

    def _uuid(self) -> UUID:
        return UUID(int=self.rng.getrandbits(128), version=4)

    def emit(
        self,
        *,
        service: str,
        dedup: str,
        summary: str,
        at: datetime,
        fault: str,
        kind: str,
        alertname: str,
        host: str,
    ) -> None:
        labels = {"alertname": alertname, "instance": host}
        facts = IncidentFacts(self._uuid(), service, dedup, summary, at, labels)
        self.out.append(GeneratedIncident(facts, fault, kind))

    def services(self) -> list[Service]:
        r = self.rng
        names = sorted(r.sample(range(len(SERVICE_NAMES)), self.s.services))
        chosen = [SERVICE_NAMES[i] for i in names]
        result = []
        for index, name in enumerate(chosen):
            later = chosen[index + 1 :]
            deps = sorted(r.sample(later, min(len(later), r.randint(0, 3))))
            result.append(Service(name=name, depends_on=deps))
            self.hosts[name] = [f"{name}-{i}" for i in range(r.randint(*self.s.hosts_per_service))]
        return result

    def fault_types(self) -> list[FaultType]:
        r = self.rng
        count = r.randint(*self.s.faults_per_service)
        paired = r.random() < self.s.confounder_probability
        chosen = list(r.choice(CONFOUNDERS)) if paired else []
        rest = [f.name for f in FAULT_TYPES if f.name not in chosen]
        chosen += r.sample(rest, max(0, count - len(chosen)))
        return [_BY_NAME[n] for n in chosen]

    def occurrence(
        self, fault: str, *, ft: FaultType, service: str, dependents: list[str], at: datetime
    ) -> None:
        r, s = self.rng, self.s
        host = r.choice(self.hosts[service])
        fired = [i for i in range(len(ft.variants)) if r.random() < s.variant_probability]
        for i in fired or [r.randrange(len(ft.variants))]:
            alertname = f"{ft.name}_{i}"
            dedup = f"{service}/{alertname}/{host}"
            t = at + timedelta(seconds=r.uniform(0, 300))
            for flap in range(1 + self._flaps()):
                text = self.fill(ft.variants[i], service=service, host=host)
                kind = "flap" if flap else "primary"
                self.emit(
                    service=service, dedup=dedup, summary=text, at=t, fault=fault,
                    kind=kind, alertname=alertname, host=host,
                )  # fmt: skip
                t += timedelta(minutes=r.uniform(5, 20))
        for dependent in dependents:
            if r.random() >= s.symptom_probability:
                continue
            dep_host = r.choice(self.hosts[dependent])
            if r.random() < s.generic_symptom_probability:
                tag = r.randrange(len(GENERIC_SYMPTOMS))
                pattern = GENERIC_SYMPTOMS[tag]
            else:
                tag, pattern = -1, SPECIFIC_SYMPTOM
            symptom = self.fill(ft.symptom, service=service, host=host)
            text = self.fill(
                pattern, service=dependent, host=dep_host, upstream=service, symptom=symptom
            )
            alertname = f"upstream_{service}_{'specific' if tag < 0 else tag}"
            self.emit(
                service=dependent, dedup=f"{dependent}/{alertname}/{dep_host}", summary=text,
                at=at + timedelta(seconds=r.uniform(30, 600)), fault=fault, kind="symptom",
                alertname=alertname, host=dep_host,
            )  # fmt: skip

    def _flaps(self) -> int:
        if self.rng.random() >= self.s.flap_probability:
            return 0
        return self.rng.randint(1, self.s.max_flaps)

    def noise(self, services: list[str], span: timedelta) -> None:
        r = self.rng
        combos = list(product(NOISE_SUBJECTS, NOISE_EVENTS, NOISE_DETAILS))
        count = min(len(combos), round(self.s.noise_per_week * self.s.weeks))
        for k, (subject, event, detail) in enumerate(r.sample(combos, count)):
            service = r.choice(services)
            host = r.choice(self.hosts[service])
            text = self.fill(f"{subject} {event}: {detail}", service=service, host=host)
            alertname = subject.lower().replace(" ", "_")
            self.emit(
                service=service, dedup=f"{service}/{alertname}/{self._hex(8)}", summary=text,
                at=self.s.start + r.uniform(0, 1) * span, fault=f"noise-{k}", kind="noise",
                alertname=alertname, host=host,
            )  # fmt: skip


def generate(seed: int, settings: GeneratorSettings | None = None) -> Stream:
    s = settings or GeneratorSettings()
    gen = _Gen(seed, s)
    services = gen.services()
    dependents = {x.name: [o.name for o in services if x.name in o.depends_on] for x in services}
    span = timedelta(weeks=s.weeks)
    faults: dict[str, str] = {}
    for svc in services:
        for ft in gen.fault_types():
            fault = f"{svc.name}:{ft.name}"
            faults[fault] = ft.name
            rate = gen.rng.uniform(*s.occurrences_per_week) / timedelta(weeks=1).total_seconds()
            at = s.start + timedelta(seconds=gen.rng.expovariate(rate))
            while at < s.start + span:
                deps = dependents[svc.name]
                gen.occurrence(fault, ft=ft, service=svc.name, dependents=deps, at=at)
                at += timedelta(seconds=gen.rng.expovariate(rate))
    gen.noise([svc.name for svc in services], span)
    ordered = sorted(gen.out, key=lambda g: (g.facts.triggered_at, str(g.facts.incident_id)))
    return Stream(seed, tuple(ordered), tuple(services), faults)
