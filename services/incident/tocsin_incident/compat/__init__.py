"""Compatible ingest formats: Alertmanager webhook, PagerDuty Events v2, Opsgenie Alert API.

Each module here is pure translation (validate a foreign payload, map it to RawAlertV1); the
routers in `api_alertmanager`, `api_pagerduty` and `api_opsgenie` authenticate and produce.
"""
