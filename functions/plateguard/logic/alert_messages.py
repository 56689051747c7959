"""SNS alert payloads: one message, a body per protocol (MessageStructure=json).

Phones get the minimum (plate, list, priority, camera, time, ids); the crop is never embedded and
is fetched through the audited API. Every payload carries the visual-confirmation notice.

The entry's reason and case number (criminal-justice information) go only to HTTPS endpoints, which
the subscription rules confine to the agency's own domains (plateguard.logic.subscriptions). E-mail
is stored and relayed by mail servers outside the agency's control, so its body is the summary: the
officer opens the alert in the API for the case detail.
"""

from __future__ import annotations

import json
from typing import Any

from plateguard.models.records import Alert

CONFIRMATION_NOTICE = (
    "Visually confirm the plate against the image and re-check the hot-list record before any enforcement action."
)
SMS_LIMIT = 160


def alert_summary(alert: Alert) -> dict[str, Any]:
    return {
        "alert_id": alert.alert_id,
        "agency": alert.agency,
        "plate": alert.plate,
        "list": alert.list_name,
        "list_type": alert.list_type,
        "priority": alert.priority,
        "camera_id": alert.camera_id,
        "camera_name": alert.camera_name,
        "region": alert.region,
        "captured_at": alert.captured_at.isoformat(),
        "confidence": round(alert.confidence, 3),
        "match_quality": alert.match_quality,
        "differing_positions": list(alert.differing_positions),
        "listed_plate": alert.listed_plate or alert.plate,
        "historical": alert.historical,
        "read_id": alert.read_id,
        "notice": CONFIRMATION_NOTICE,
    }


def sms_text(alert: Alert) -> str:
    kind = "HISTORICAL " if alert.historical else ""
    text = (
        f"ALPR {kind}{alert.priority.upper()} {alert.list_type}: {alert.plate} at {alert.camera_name} "
        f"{alert.captured_at:%H:%M}Z conf {alert.confidence:.2f} {alert.match_quality}. "
        "Confirm visually before acting."
    )
    return text if len(text) <= SMS_LIMIT else text[: SMS_LIMIT - 1] + "…"


def build_sns_message(alert: Alert) -> str:
    """The Message for sns.publish(MessageStructure='json')."""
    summary = alert_summary(alert)
    push = {k: summary[k] for k in ("alert_id", "plate", "list_type", "priority", "camera_name", "captured_at")}
    push["deep_link"] = f"plateguard://alerts/{alert.alert_id}"
    title = f"{alert.priority.upper()} hot-list hit {alert.plate}"
    detail = {**summary, "reason": alert.reason, "case_number": alert.case_number}
    bodies = {
        "default": json.dumps(summary),
        "sms": sms_text(alert),
        "email": "\n".join([title, "", *(f"{k}: {v}" for k, v in summary.items())]),
        "https": json.dumps(detail),
        "APNS": json.dumps({"aps": {"alert": {"title": title, "body": CONFIRMATION_NOTICE}}, **push}),
        "GCM": json.dumps({"notification": {"title": title, "body": CONFIRMATION_NOTICE}, "data": push}),
    }
    return json.dumps(bodies)


def message_attributes(alert: Alert) -> dict[str, dict[str, str]]:
    """Attributes subscribers filter on (a patrol unit's district, a detective's list)."""
    return {
        "agency": {"DataType": "String", "StringValue": alert.agency},
        "list": {"DataType": "String", "StringValue": alert.list_name},
        "list_type": {"DataType": "String", "StringValue": alert.list_type},
        "priority": {"DataType": "String", "StringValue": alert.priority},
        "camera": {"DataType": "String", "StringValue": alert.camera_id},
        "region": {"DataType": "String", "StringValue": alert.region},
    }
