"""Legal hold storage (HoldsTable) and the read lookups a hold needs (ReadsTable by read id)."""

from __future__ import annotations

from typing import cast

from plateguard.dal import tables
from plateguard.dal.tables import HoldItem, ReadItem
from plateguard.logic.holds import HeldRead, HoldStatus, LegalHold
from plateguard.schema import time_bucket


def _hold(item: HoldItem) -> LegalHold:
    return LegalHold(
        hold_id=item.hold_id,
        agency=item.agency,
        case_number=item.case_number,
        reason=item.reason,
        placed_by=item.placed_by,
        placed_at=item.placed_at,
        ends_at=item.ends_at,
        read_ids=tuple(cast(list[str], item.read_ids or [])),
        object_keys=tuple(cast(list[str], item.object_keys or [])),
        original_expiry={str(k): int(v) for k, v in (item.original_expiry or {}).items()},
        status=HoldStatus(item.status),
        released_at=item.released_at,
        released_by=item.released_by,
    )


class DynamoHoldStore:
    """Implements plateguard.logic.holds.HoldStore."""

    def put_hold(self, hold: LegalHold) -> None:
        HoldItem(
            hold.agency,
            hold.hold_id,
            case_number=hold.case_number,
            reason=hold.reason,
            placed_by=hold.placed_by,
            placed_at=hold.placed_at,
            ends_at=hold.ends_at,
            read_ids=list(hold.read_ids),
            object_keys=list(hold.object_keys),
            original_expiry=dict(hold.original_expiry),
            status=hold.status.value,
            released_at=hold.released_at,
            released_by=hold.released_by,
        ).save()

    def get_hold(self, agency: str, hold_id: str) -> LegalHold | None:
        try:
            return _hold(HoldItem.get(agency, hold_id, consistent_read=True))
        except HoldItem.DoesNotExist:
            return None

    def list_holds(self, agency: str | None = None) -> list[LegalHold]:
        # Holds are few (one per case): a scan is cheap, and the sweeper needs every agency's.
        items = HoldItem.query(agency, consistent_read=True) if agency else HoldItem.scan(consistent_read=True)
        return sorted((_hold(item) for item in items), key=lambda h: h.placed_at)

    def _read_item(self, read_id: str) -> ReadItem | None:
        for item in ReadItem.by_id.query(read_id, limit=1):
            return item
        return None

    def get_read(self, read_id: str) -> HeldRead | None:
        item = self._read_item(read_id)
        if item is None:
            return None
        return HeldRead(read_id, item.agency, int(item.expires_at), (item.crop_key, item.source_key))

    def set_read_expiry(self, read_id: str, expires_at: int) -> None:
        # The index copy may lag; the update goes to the base item by its primary key.
        item = self._read_item(read_id)
        if item is not None:
            # The expiry index moves with the expiry: a hold's end (or a restored expiry) is swept in its hour.
            bucket = time_bucket(max(expires_at, tables.write_clock()))
            ReadItem(item.pk, item.sk).update(
                actions=[ReadItem.expires_at.set(expires_at), ReadItem.expiry_bucket.set(bucket)]
            )
