"""Event data models: one pydantic model per event type and version.

The CloudEvents `type` is `<TYPE>.v<VERSION>`. Consumers ignore unknown fields so a producer can
add optional fields; anything else is a new version with a new model.
"""

from __future__ import annotations

from ._base import Actor, EventData, IncidentStatus, Priority, Severity
from .incident import (
    IncidentAcknowledgedV1,
    IncidentAssignedV1,
    IncidentEventData,
    IncidentMergedV1,
    IncidentNoteAddedV1,
    IncidentPriorityChangedV1,
    IncidentReopenedV1,
    IncidentResolvedV1,
    IncidentRetriggeredV1,
    IncidentSeverityChangedV1,
    IncidentSnoozedV1,
    IncidentTriggeredV1,
    IncidentUnacknowledgedV1,
)
from .notification import (
    NotificationDeadLetteredV1,
    NotificationDeliveredV1,
    NotificationEventData,
    NotificationFailedV1,
    NotificationRequestedV1,
)
from .sla import (
    SlaAttachedV1,
    SlaBreachedV1,
    SlaCancelledV1,
    SlaCompletedV1,
    SlaEventData,
    SlaMetV1,
    SlaPausedV1,
    SlaResumedV1,
    SlaWarningV1,
)

__all__ = [
    "EVENT_MODELS",
    "Actor",
    "EventData",
    "IncidentAcknowledgedV1",
    "IncidentAssignedV1",
    "IncidentEventData",
    "IncidentMergedV1",
    "IncidentNoteAddedV1",
    "IncidentPriorityChangedV1",
    "IncidentReopenedV1",
    "IncidentResolvedV1",
    "IncidentRetriggeredV1",
    "IncidentSeverityChangedV1",
    "IncidentSnoozedV1",
    "IncidentStatus",
    "IncidentTriggeredV1",
    "IncidentUnacknowledgedV1",
    "NotificationDeadLetteredV1",
    "NotificationDeliveredV1",
    "NotificationEventData",
    "NotificationFailedV1",
    "NotificationRequestedV1",
    "Priority",
    "Severity",
    "SlaAttachedV1",
    "SlaBreachedV1",
    "SlaCancelledV1",
    "SlaCompletedV1",
    "SlaEventData",
    "SlaMetV1",
    "SlaPausedV1",
    "SlaResumedV1",
    "SlaWarningV1",
]


EVENT_MODELS: dict[str, type[EventData]] = {
    model.ce_type(): model
    for model in (
        IncidentTriggeredV1,
        IncidentAcknowledgedV1,
        IncidentResolvedV1,
        IncidentUnacknowledgedV1,
        IncidentReopenedV1,
        IncidentSnoozedV1,
        IncidentRetriggeredV1,
        IncidentAssignedV1,
        IncidentNoteAddedV1,
        IncidentPriorityChangedV1,
        IncidentSeverityChangedV1,
        IncidentMergedV1,
        NotificationRequestedV1,
        NotificationDeliveredV1,
        NotificationFailedV1,
        NotificationDeadLetteredV1,
        SlaAttachedV1,
        SlaWarningV1,
        SlaBreachedV1,
        SlaMetV1,
        SlaCompletedV1,
        SlaPausedV1,
        SlaResumedV1,
        SlaCancelledV1,
    )
}
