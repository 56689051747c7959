"""Hot lists: list, define, retire, export, add an entry (checked against stored reads), remove, import
(plateguard.logic.officer_hotlists). Always the caller's agency."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from plateguard.handlers.api.door import audited, route
from plateguard.logic import officer_hotlists as hotlists
from plateguard.models.requests import AddEntryRequest, ImportRequest, PutHotListRequest
from plateguard.models.responses import (
    EntryAdded,
    EntryRemoved,
    HotListEntriesResponse,
    HotListImported,
    HotListOut,
    HotListRetired,
    HotListsResponse,
)

router = Router()

ListName = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
Plate = Annotated[str, Path(pattern=r"^[A-Za-z0-9]{1,10}$")]


@route(router, "GET", "/hotlists", summary="List your agency's hot lists", tags=["hotlists"])
def list_hotlists_route() -> HotListsResponse:
    return audited(lambda user, deps: hotlists.list_hotlists(user, store=deps.hotlists))


@route(router, "PUT", "/hotlists/{list_name}", summary="Create or update a hot list", tags=["hotlists"])
def put_hotlist_route(list_name: ListName, body: PutHotListRequest) -> HotListOut:
    return audited(lambda user, deps: hotlists.put_hotlist(user, list_name, body, store=deps.hotlists))


@route(
    router,
    "DELETE",
    "/hotlists/{list_name}",
    summary="Delete a hot list: its entries go, the list is retired",
    tags=["hotlists"],
)
def delete_hotlist_route(list_name: ListName) -> HotListRetired:
    return audited(lambda user, deps: hotlists.delete_hotlist(user, list_name, deps.clock(), store=deps.hotlists))


@route(router, "GET", "/hotlists/{list_name}/entries", summary="Export a hot list's entries", tags=["hotlists"])
def export_entries_route(list_name: ListName) -> HotListEntriesResponse:
    return audited(lambda user, deps: hotlists.export_entries(user, list_name, deps.clock(), store=deps.hotlists))


@route(
    router,
    "POST",
    "/hotlists/{list_name}/entries",
    summary="Add one entry (checked against stored reads)",
    tags=["hotlists"],
)
def add_entry_route(list_name: ListName, body: AddEntryRequest) -> EntryAdded:
    return audited(
        lambda user, deps: hotlists.add_entry(
            user, list_name, body, deps.clock(), store=deps.hotlists, historical=deps.historical
        )
    )


@route(router, "DELETE", "/hotlists/{list_name}/entries/{plate}", summary="Remove an entry", tags=["hotlists"])
def delete_entry_route(list_name: ListName, plate: Plate) -> EntryRemoved:
    return audited(lambda user, deps: hotlists.remove_entry(user, list_name, plate, store=deps.hotlists))


@route(router, "POST", "/hotlists/{list_name}/import", summary="Import a CSV or NCIC-style file", tags=["hotlists"])
def import_route(list_name: ListName, body: ImportRequest) -> HotListImported:
    return audited(
        lambda user, deps: hotlists.import_entries(
            user, list_name, body, deps.clock(), store=deps.hotlists, historical=deps.historical
        )
    )
