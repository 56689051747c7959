"""Alert records for the officer API: listing, and disposition updates without lost writes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from plateguard.dal.repositories import alert_from_item
from plateguard.dal.tables import AlertItem
from plateguard.logic.alert_lifecycle import Disposition, DispositionChange
from plateguard.logic.alert_lifecycle import DispositionConflict as DispositionConflict  # raised here
from plateguard.models.records import Alert


def _history(item: AlertItem) -> list[DispositionChange]:
    return [
        DispositionChange(Disposition(c["disposition"]), c["by"], datetime.fromisoformat(c["at"]), c.get("note", ""))
        for c in item.dispositions or []
    ]


class DynamoAlertStore:
    def alerts(self, agency: str) -> Iterator[tuple[Alert, list[DispositionChange]]]:
        for item in AlertItem.query(agency):
            yield alert_from_item(item), _history(item)

    def get(self, agency: str, alert_id: str) -> tuple[Alert, list[DispositionChange]] | None:
        try:
            item = AlertItem.get(agency, alert_id, consistent_read=True)
        except AlertItem.DoesNotExist:
            return None
        return alert_from_item(item), _history(item)

    def save_history(self, agency: str, alert_id: str, history: list[DispositionChange], expected_length: int) -> None:
        """Write the new history only if nobody appended since it was read (optimistic locking)."""
        encoded = [
            {"disposition": c.disposition.value, "by": c.by, "at": c.at.isoformat(), "note": c.note} for c in history
        ]
        version = AlertItem.disposition_version
        unchanged = version == expected_length
        if expected_length == 0:
            unchanged = unchanged | version.does_not_exist()
        actions: list[Action] = [AlertItem.dispositions.set(encoded), version.set(expected_length + 1)]
        try:
            AlertItem(agency, alert_id).update(actions=actions, condition=AlertItem.alert_id.exists() & unchanged)
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise DispositionConflict(alert_id) from exc
            raise
