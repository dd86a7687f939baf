"""The notifier's config sections: users, schedules, targets, breach actions; bad references
and shapes are reported, never accepted."""

from __future__ import annotations

import pytest
from tocsin_shared.config import parse_config
from tocsin_shared.config.loader import ConfigError

BASE = """
version: 1
channels:
  - {name: push, type: webhook, url: "http://x/a", secret: s}
  - {name: chat, type: slack, url: "https://hooks.slack.test/x"}
  - {name: mail, type: email, host: smtp.test, from_address: tocsin@x.test}
users:
  - name: ann
    contact_methods: [{name: app, channel: push}, {name: mail, channel: mail, address: a@x.test}]
    notification_rules: [{contact: app}, {contact: mail, delay_minutes: 5}]
schedules:
  - name: primary
    time_zone: Europe/Berlin
    layers: [{name: d, members: [ann], shift_unit: days, start: 2026-01-01}]
    overrides: [{user: ann, start: "2026-01-01T00:00:00Z", end: "2026-01-02T00:00:00Z"}]
escalation_policies:
  - name: p
    low_urgency: [info]
    on_sla_breach: {action: notify, targets: [{channel: chat}]}
    levels:
      - targets: [{user: ann}, {schedule: primary}, {channel: chat}]
        mode: round_robin
"""


def test_a_full_notifier_config_is_accepted() -> None:
    config = parse_config(BASE, source="t")
    assert config.user("ann") is not None and config.schedule("primary") is not None
    assert [t.kind for t in config.escalation_policies[0].levels[0].targets] == [
        "user",
        "schedule",
        "channel",
    ]


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("{user: ann}, {schedule", "{user: bob}, {schedule", "unknown user 'bob'"),
        ("{schedule: primary}", "{schedule: secondary}", "unknown schedule"),
        ("{name: app, channel: push}", "{name: app, channel: pager}", "unknown channel 'pager'"),
        ("[{contact: app}", "[{contact: sms}", "unknown contact method"),
        ("members: [ann]", "members: [zed]", "unknown user 'zed'"),
        ("overrides: [{user: ann", "overrides: [{user: zed", "unknown user 'zed'"),
        ("targets: [{channel: chat}]}", "targets: [{channel: nope}]}", "unknown channel 'nope'"),
        ("{user: ann}, {schedule", "{user: ann, channel: push}, {schedule", "exactly one"),
        ("targets: [{channel: chat}]}", "targets: []}", "notify needs targets"),
        ("Europe/Berlin", "Mars/Olympus", "unknown time zone"),
        ("2026-01-02T00:00:00Z", "2025-01-02T00:00:00Z", "start must be before end"),
        ("mode: round_robin", "mode: random", "round_robin"),
        ("type: slack", "type: pigeon", "type"),
    ],
)
def test_bad_notifier_config_is_reported(old: str, new: str, says: str) -> None:
    assert old in BASE
    with pytest.raises(ConfigError) as err:
        parse_config(BASE.replace(old, new, 1), source="t")
    assert says in str(err.value)
