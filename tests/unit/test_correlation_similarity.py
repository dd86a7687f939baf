"""Templates, recurrence keys and the similarity score that correlation relies on."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from tocsin_problem.domain.correlation.model import IncidentFacts, recurrence_key
from tocsin_problem.domain.correlation.similarity import similarity
from tocsin_problem.domain.templates import matches, template_of
from tocsin_shared.config.models import CorrelationRule

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def facts(summary: str, *, service: str = "checkout", **labels: str) -> IncidentFacts:
    return IncidentFacts(uuid4(), service, "dedup", summary, T0, labels)


def test_variable_parts_are_masked_so_occurrences_share_a_template() -> None:
    a = template_of("Disk usage above 91% on db-3 mount /var/lib/data")
    b = template_of("Disk usage above 97% on db-12 mount /var/lib/data")
    assert a == b == "disk usage above <*> on db-<*> mount /var/lib/data"
    pod = template_of("Pod checkout-7f9c6d5b8-x2x9q restarted 12 times: OOMKilled")
    assert pod == template_of("Pod checkout-5d4c3b2a1-qq9zz restarted 3 times: OOMKilled")
    assert template_of("Consumer lag on topic 'orders'") == "consumer lag on topic <*>"


def test_the_facts_compute_their_template_from_the_summary() -> None:
    assert facts("High CPU usage 93% on web-2").template == "high cpu usage <*> on web-<*>"


def test_a_recurrence_key_is_readable_stable_and_keyed_by_service_template_and_labels() -> None:
    rule = CorrelationRule(name="r", labels=["alertname"])
    one = facts("High CPU usage 93% on web-2", alertname="CPUHigh", instance="web-2")
    two = facts("High CPU usage 97% on web-4", alertname="CPUHigh", instance="web-4")
    assert recurrence_key(one, rule) == recurrence_key(two, rule)
    assert recurrence_key(one, rule).startswith("checkout/")
    other_label = facts("High CPU usage 93% on web-2", alertname="NodeCPU")
    other_service = facts("High CPU usage 93% on web-2", service="cart", alertname="CPUHigh")
    assert recurrence_key(other_label, rule) != recurrence_key(one, rule)
    assert recurrence_key(other_service, rule) != recurrence_key(one, rule)
    # Without labels in the rule, the labels do not split the key.
    plain = CorrelationRule(name="p")
    assert recurrence_key(one, plain) == recurrence_key(other_label, plain)


def test_identical_templates_score_one_and_unrelated_ones_low() -> None:
    t = template_of("Connection pool exhausted (50/50 in use) on db-1")
    assert similarity(t, t) == 1.0
    other = template_of("TLS certificate for shop.example.com expires in 3 days")
    assert similarity(t, other) < 0.4


def test_one_different_word_never_reaches_the_default_auto_link_threshold() -> None:
    cpu = template_of("High CPU usage 93% on web-2")
    memory = template_of("High memory usage 93% on web-2")
    assert 0.7 <= similarity(cpu, memory) < 0.9
    # A long template with one different word: a ratio alone would say 0.92.
    a = template_of("Calls to auth failing from payments-0: write failed: no space left on device")
    b = template_of(
        "Calls to inventory failing from payments-0: write failed: no space left on device"
    )
    assert similarity(a, b) < 0.9


def test_a_subset_template_is_not_a_match() -> None:
    short = template_of("disk full")
    long = template_of("disk full on replica, failover started and writes redirected")
    assert similarity(short, long) < 0.7


def test_masks_alone_do_not_make_templates_alike() -> None:
    assert similarity("<*> <*> foo", "<*> <*> bar") == 0.0


def test_known_error_signatures_match_templates_with_wildcards() -> None:
    template = template_of("Disk usage above 91% on db-3 mount /var/lib/data")
    assert matches("disk usage above <*> mount /var/lib/data", template)
    assert not matches("inode usage above <*>", template)
