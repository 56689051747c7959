"""Hot-list definitions and entries in DynamoDB (implements logic.hotlist_admin.HotListStore)."""

from __future__ import annotations

from datetime import datetime

from plateguard.dal.repositories import hotlist_entry_from_item, hotlist_entry_key, hotlist_item
from plateguard.dal.tables import HotListItem, HotListsItem
from plateguard.logic.hotlist_admin import HotListDefinition, ListType, Priority
from plateguard.models.records import HotListEntry


class DynamoHotListStore:
    def get_list(self, agency: str, name: str) -> HotListDefinition | None:
        try:
            item = HotListsItem.get(agency, name)
        except HotListsItem.DoesNotExist:
            return None
        return None if item.retired_at else _definition(item)

    def lists(self, agency: str) -> list[HotListDefinition]:
        return [_definition(item) for item in HotListsItem.query(agency) if not item.retired_at]

    def put_list(self, definition: HotListDefinition) -> None:
        HotListsItem(
            definition.agency,
            definition.name,
            list_type=definition.list_type.value,
            owner=definition.owner,
            priority=definition.priority.value,
            max_entry_days=definition.max_entry_days,
            description=definition.description,
        ).save()

    def retire_list(self, agency: str, name: str, when: datetime) -> None:
        """Deleting a list retires it: its entries go, its definition stays as a record (no DeleteItem)."""
        HotListsItem(agency, name).update(
            actions=[HotListsItem.retired_at.set(when)], condition=HotListsItem.list_name.exists()
        )

    def entries(self, agency: str, list_name: str) -> list[HotListEntry]:
        prefix = hotlist_entry_key(list_name, "")
        return [
            hotlist_entry_from_item(item)
            for item in HotListItem.query(agency, HotListItem.entry_key.startswith(prefix))
        ]

    def put_entries(self, entries: list[HotListEntry]) -> None:
        with HotListItem.batch_write() as batch:
            for entry in entries:
                batch.save(hotlist_item(entry))

    def delete_entries(self, entries: list[HotListEntry]) -> None:
        with HotListItem.batch_write() as batch:
            for entry in entries:
                batch.delete(HotListItem(entry.agency, hotlist_entry_key(entry.list_name, entry.plate)))


def _definition(item: HotListsItem) -> HotListDefinition:
    return HotListDefinition(
        agency=item.agency,
        name=item.list_name,
        list_type=ListType(item.list_type),
        owner=item.owner,
        priority=Priority(item.priority),
        max_entry_days=int(item.max_entry_days),
        description=item.description or "",
    )
