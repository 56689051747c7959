"""The officer API's read routes as plain logic: search reads, fetch one with its crop, look up the audit
trail. Each takes the admitted account, the parsed request and what it needs, and returns the answer
with the count of results the outcome record carries.

A request naming another agency is served from that agency's reads only under an active sharing grant
(checked before anything is looked up, so a refusal says nothing about the data); the grant and the data
agency go into `recorded`, the outcome record's responseElements.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from plateguard.logic.access import User
from plateguard.logic.audit_chain import AuditStore
from plateguard.logic.search import (
    ReadSource,
    SearchPolicy,
    check_offense_type,
    fetch_read,
    search_audit,
    search_reads,
    validate_audit_query,
    validate_search,
)
from plateguard.logic.tokens import TokenCodec
from plateguard.models.api import (
    AuditEventsResponse,
    AuditQueryRequest,
    ReadDetail,
    ReadOut,
    ReadRequest,
    SearchRequest,
    SearchResponse,
)
from plateguard.models.errors import AccessDenied
from plateguard.models.records import PlateReadRecord
from plateguard.policy.enforcement import grant_for
from plateguard.policy.model import Scope, SharingGrant


class CropUrlSigner(Protocol):
    def presign(self, key: str, expires_seconds: int) -> str: ...


@dataclass(frozen=True)
class ReadAccess:
    """What the read routes need: the reads, the search rules, pagination tokens and sharing grants."""

    reads: ReadSource
    policy: SearchPolicy
    codec: TokenCodec
    grants: Iterable[SharingGrant]


def read_out(record: PlateReadRecord) -> ReadOut:
    return ReadOut(
        read_id=record.read_id,
        plate=record.plate,
        camera_id=record.camera_id,
        captured_at=record.captured_at,
        confidence=record.confidence,
        low_confidence=record.low_confidence,
        hit=record.hit,
        lat=record.lat,
        lon=record.lon,
        heading=record.heading,
        expires_at=datetime.fromtimestamp(record.expires_at, UTC),
    )


def _data_agency(
    access: ReadAccess, user: User, agency: str | None, offense_type: str, now: datetime, recorded: dict[str, Any]
) -> str:
    """Whose reads the request is served from: the caller's, or a granting agency's under its grant
    (AccessDenied, audited, no data, when no active grant lets the caller's agency search them today)."""
    if not agency or agency == user.agency:
        return user.agency
    grant = grant_for(access.grants, user.agency, Scope.SEARCH_READS, offense_type, now.date(), granting_agency=agency)
    if grant is None:
        raise AccessDenied(
            "no_sharing_grant",
            f"no active sharing grant from {agency} lets {user.agency} search its reads for {offense_type}",
            user,
        )
    recorded["sharingGrant"] = grant.id
    recorded["dataAgency"] = agency
    return agency


def search(
    request: SearchRequest, user: User, access: ReadAccess, now: datetime, recorded: dict[str, Any]
) -> tuple[SearchResponse, int]:
    query = validate_search(request, access.policy, now)
    agency = _data_agency(access, user, request.agency, request.offense_type, now, recorded)
    page = search_reads(query, user, access.reads, access.codec, access.policy, now, agency=agency)
    response = SearchResponse(
        search_type=query.search_type,
        reads=[read_out(r) for r in page.reads],
        count=len(page.reads),
        next_token=page.next_token,
        scanned_items=page.scanned_items,
    )
    return response, len(page.reads)


def fetch(
    request: ReadRequest,
    user: User,
    access: ReadAccess,
    crops: CropUrlSigner,
    expires_seconds: int,
    now: datetime,
    recorded: dict[str, Any],
) -> tuple[ReadDetail, int]:
    check_offense_type(request.offense_type, access.policy)
    # The grant is checked before the read is looked up: a refusal says nothing about the read.
    agency = _data_agency(access, user, request.agency, request.offense_type, now, recorded)
    record = fetch_read(request.read_id, user, access.reads, now, agency=agency)
    detail = ReadDetail(
        **read_out(record).model_dump(),
        raw_text=record.raw_text,
        char_confidences=list(record.char_confidences),
        alternatives=list(record.alternatives),
        crop_url=crops.presign(record.crop_key, expires_seconds),
        crop_url_expires_at=now + timedelta(seconds=expires_seconds),
    )
    return detail, 1


def lookup_audit(
    request: AuditQueryRequest, user: User, store: AuditStore, access: ReadAccess
) -> tuple[AuditEventsResponse, int]:
    wanted = validate_audit_query(request, access.policy)
    page = search_audit(request, wanted, user, store, access.codec, access.policy)
    return AuditEventsResponse(events=page.events, count=len(page.events), next_token=page.next_token), len(page.events)
