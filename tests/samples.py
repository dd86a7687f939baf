"""Sample configuration and payloads shared by tests."""

from __future__ import annotations

from tocsin_shared.config import parse_config
from tocsin_shared.config.models import TocsinConfig

INTEGRATION_KEY = "test-integration-key"
RESPONDER_TOKEN = "test-responder-token"
VIEWER_TOKEN = "test-viewer-token"
WEBHOOK_SECRET = "test-webhook-secret"


def config_yaml(*, webhook_url: str = "http://127.0.0.1:9/unused") -> str:
    return f"""
version: 1
services:
  - name: checkout
    escalation_policy: checkout-default
integrations:
  - name: checkout-native
    service: checkout
    key: {INTEGRATION_KEY}
api_tokens:
  - name: alice
    role: responder
    token: {RESPONDER_TOKEN}
  - name: victor
    role: viewer
    token: {VIEWER_TOKEN}
channels:
  - name: ops-webhook
    type: webhook
    url: {webhook_url}
    secret: {WEBHOOK_SECRET}
escalation_policies:
  - name: checkout-default
    levels:
      - targets: [{{channel: ops-webhook}}]
        delay_minutes: 10
sla_policies:
  - name: checkout-tta
    target: time_to_acknowledge
    minutes: 15
    services: [checkout]
"""


def sample_config(*, webhook_url: str = "http://127.0.0.1:9/unused") -> TocsinConfig:
    return parse_config(config_yaml(webhook_url=webhook_url), source="tests")


# Compatible ingest (Alertmanager webhook, PagerDuty, Opsgenie): the keys the captured payloads
# under ../shared/payloads/ carry, one service per integration so each path is seen on its own.
WEBHOOK_KEY = "webhook-secret-token"
WEBHOOK_GROUPED_KEY = "webhook-grouped-key"
PAGERDUTY_KEY = "0123456789abcdef0123456789abcdef"
OPSGENIE_KEY = "opsgenie-api-key-xyz"


def compat_config_yaml(*, pagerduty_rate_per_s: float = 200.0, pagerduty_burst: int = 2000) -> str:
    return f"""
version: 1
services:
  - name: via-webhook
  - name: via-webhook-grouped
  - name: via-pagerduty
  - name: via-opsgenie
integrations:
  - name: am-webhook
    kind: alertmanager
    service: via-webhook
    key: {WEBHOOK_KEY}
    severity_map: {{page: critical, ticket: warning}}
  - name: am-webhook-grouped
    kind: alertmanager
    service: via-webhook-grouped
    key: {WEBHOOK_GROUPED_KEY}
    dedup_by: group_key
  - name: am-pagerduty
    kind: pagerduty
    service: via-pagerduty
    key: "{PAGERDUTY_KEY}"
    rate_limit_per_s: {pagerduty_rate_per_s}
    rate_limit_burst: {pagerduty_burst}
  - name: am-opsgenie
    kind: opsgenie
    service: via-opsgenie
    key: {OPSGENIE_KEY}
    severity_map: {{P3: error}}
api_tokens:
  - name: victor
    role: viewer
    token: {VIEWER_TOKEN}
"""


def compat_config(
    *, pagerduty_rate_per_s: float = 200.0, pagerduty_burst: int = 2000
) -> TocsinConfig:
    text = compat_config_yaml(
        pagerduty_rate_per_s=pagerduty_rate_per_s, pagerduty_burst=pagerduty_burst
    )
    return parse_config(text, source="tests")
