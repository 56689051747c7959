"""Each typed response of the hot-list, alert, subscription, hold, review and camera routes dumps to
exactly the JSON those routes built by hand before (same keys, same order, same values, same text).

`before_*` below are the routes' own dict builders as they were (handlers/api_*.py before the response
models); each model's `model_dump(mode="json", by_alias=True)`, what Powertools sends, must equal them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from plateguard.logic.alert_lifecycle import Disposition, DispositionChange
from plateguard.logic.cameras import CREDENTIAL_DURATION_SECONDS, CameraRegistration, IssuedCertificate
from plateguard.logic.holds import HoldStatus, LegalHold
from plateguard.logic.hotlist_admin import HotListDefinition, ListType, Priority
from plateguard.logic.officer_alerts import alert_out
from plateguard.logic.officer_cameras import UploadTarget, camera_out, upload_identity
from plateguard.logic.officer_holds import hold_out
from plateguard.logic.officer_hotlists import definition_out, entry_out
from plateguard.logic.officer_reviews import batch_out, review_out
from plateguard.logic.officer_subscriptions import subscription_out
from plateguard.logic.sampling import Batch, Review, ReviewStatus
from plateguard.logic.subscriptions import Subscription
from plateguard.models.records import Alert, AlertStatus, Camera, CameraStatus, HotListEntry
from plateguard.models.responses import CameraRetired
from tests.fakes.oversight import T0

LATER = T0 + timedelta(days=3, hours=2, minutes=5, seconds=7, microseconds=250)


def same_json(model: BaseModel, before: dict[str, Any]) -> None:
    """The model's JSON text is the hand-built dict's JSON text (key order and number forms included)."""
    assert json.dumps(model.model_dump(mode="json", by_alias=True)) == json.dumps(before)


# -- the routes' builders as they were ---------------------------------------------------------------


def before_definition(d: HotListDefinition) -> dict[str, Any]:
    return {"name": d.name, "list_type": d.list_type.value, "owner": d.owner, "priority": d.priority.value,
            "max_entry_days": d.max_entry_days, "description": d.description}  # fmt: skip


def before_entry(e: HotListEntry) -> dict[str, Any]:
    return {
        "plate": e.plate, "state": e.state, "reason": e.reason, "case_number": e.case_number,
        "entered_by": e.entered_by,
        "entered_at": datetime.fromtimestamp(e.entered_at, UTC).isoformat() if e.entered_at else None,
        "expires_at": datetime.fromtimestamp(e.expires_at, UTC).isoformat(),
    }  # fmt: skip


def before_alert(alert: Alert, history: list[DispositionChange]) -> dict[str, Any]:
    return {
        "alert_id": alert.alert_id, "plate": alert.plate, "listed_plate": alert.listed_plate or alert.plate,
        "list": alert.list_name, "list_type": alert.list_type, "priority": alert.priority,
        "camera_id": alert.camera_id, "camera_name": alert.camera_name, "captured_at": alert.captured_at.isoformat(),
        "confidence": alert.confidence, "match_quality": alert.match_quality,
        "differing_positions": list(alert.differing_positions), "historical": alert.historical,
        "suppressed_repeats": alert.suppressed_repeats, "read_id": alert.read_id,
        "disposition": (history[-1].disposition if history else Disposition.NEW).value,
        "history": [{"disposition": c.disposition.value, "by": c.by, "at": c.at.isoformat()} for c in history],
    }  # fmt: skip


def before_hold(hold: LegalHold, now: datetime) -> dict[str, Any]:
    state = "released" if hold.status is HoldStatus.RELEASED else ("active" if hold.is_active(now) else "ended")
    return {
        "hold_id": hold.hold_id, "case_number": hold.case_number, "reason": hold.reason, "placed_by": hold.placed_by,
        "placed_at": hold.placed_at.isoformat(), "until": hold.ends_at.isoformat(), "read_ids": list(hold.read_ids),
        "state": state, "released_at": hold.released_at.isoformat() if hold.released_at else None,
        "released_by": hold.released_by,
    }  # fmt: skip


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def before_review(review: Review) -> dict[str, Any]:
    return {
        "review_id": review.review_id, "batch_id": review.batch_id, "item": review.item,
        "audit_event_id": review.event_id, "searcher": review.searcher, "search": review.search,
        "strata": list(review.strata), "signals": list(review.signals), "assignee": review.assignee,
        "assigned_at": review.assigned_at.isoformat(), "due_at": review.due_at.isoformat(),
        "escalated_at": _iso(review.escalated_at), "status": review.status.value, "reviewed_by": review.reviewed_by,
        "reviewed_at": _iso(review.reviewed_at), "notes": review.notes,
    }  # fmt: skip


def before_batch(batch: Batch, reviews: list[Review]) -> dict[str, Any]:
    return {
        "batch_id": batch.batch_id, "period_start": batch.period_start.isoformat(),
        "period_end": batch.period_end.isoformat(), "seed": batch.seed, "searches_in_period": batch.searches_in_period,
        "items": batch.items, "pending": sum(r.status is ReviewStatus.PENDING for r in reviews),
        "unjustified": sum(r.status is ReviewStatus.UNJUSTIFIED for r in reviews),
        "strata_counts": dict(batch.strata_counts), "signed_off_by": batch.signed_off_by,
        "signed_off_at": _iso(batch.signed_off_at), "sign_off_note": batch.sign_off_note,
    }  # fmt: skip


def before_camera(camera: Camera) -> dict[str, Any]:
    return {
        "camera_id": camera.camera_id, "agency": camera.agency, "name": camera.name, "lat": camera.lat,
        "lon": camera.lon, "heading": camera.heading, "region": camera.region, "status": camera.status.value,
        "active": camera.active, "certificate_id": camera.certificate_id,
        "registered_at": camera.registered_at.isoformat() if camera.registered_at else None,
        "registered_by": camera.registered_by,
        "retired_at": camera.retired_at.isoformat() if camera.retired_at else None, "retired_by": camera.retired_by,
    }  # fmt: skip


def before_identity(target: UploadTarget, registration: CameraRegistration, endpoint: str) -> dict[str, Any]:
    camera, certificate = registration.camera, registration.certificate
    return {
        "thing_name": camera.camera_id, "agency": camera.agency, "certificate_id": certificate.certificate_id,
        "certificate_arn": certificate.certificate_arn, "certificate_pem": certificate.certificate_pem,
        "private_key": certificate.private_key, "bucket": target.images_bucket,
        "prefix": f"incoming/{camera.agency}/{camera.camera_id}/", "region": target.region,
        "credentials_endpoint": endpoint, "role_alias": target.role_alias,
        "credential_duration_seconds": CREDENTIAL_DURATION_SECONDS,
        **({"s3_endpoint_url": target.s3_endpoint_url} if target.s3_endpoint_url else {}),
    }  # fmt: skip


# -- representative cases ----------------------------------------------------------------------------


def test_hot_list_definition_and_entries() -> None:
    # Given a definition with a description, an entry with a state and one without an entry time
    definition = HotListDefinition("demo-pd", "stolen", ListType.STOLEN_VEHICLE, "records", Priority.HIGH, 30, "CA")
    entered = HotListEntry("demo-pd", "stolen", "7KDR394", "stolen-vehicle", "high", "stolen", "C-1",
                           int(LATER.timestamp()), "CA", "ofc.diaz", int(T0.timestamp()))  # fmt: skip
    imported = replace(entered, state=None, entered_by="", entered_at=0)

    # Then each model's JSON is the route's old dict
    same_json(definition_out(definition), before_definition(definition))
    same_json(entry_out(entered), before_entry(entered))
    same_json(entry_out(imported), before_entry(imported))


def test_alert_with_and_without_history() -> None:
    # Given an ambiguous historical alert with two dispositions, and a new exact one
    alert = Alert(
        "a" * 24, "demo-pd", "r1", "7KDR394", "stolen", "stolen-vehicle", "high", "stolen", "C-1", "cam-1", "Main St",
        T0, 0.875, "ambiguous", "crops/r1.jpg", T0, 0, AlertStatus.PUBLISHED, (3, 5), "7KDR39A", 2, True,
    )  # fmt: skip
    history = [
        DispositionChange(Disposition.ACKNOWLEDGED, "ofc.diaz", T0 + timedelta(minutes=1)),
        DispositionChange(Disposition.CONFIRMED, "ofc.diaz", LATER, "seen"),
    ]
    fresh = replace(alert, listed_plate="", differing_positions=(), historical=False, confidence=1.0)

    # Then each model's JSON is the route's old dict
    same_json(alert_out(alert, history), before_alert(alert, history))
    same_json(alert_out(fresh, []), before_alert(fresh, []))


def test_subscription_summary() -> None:
    # Given a subscription with a filter policy
    policy = {"agency": ["demo-pd"], "camera": ["c1"]}
    subscription = Subscription("demo-pd", "s-1", "arn:aws:sns:us-east-1:1:alerts:s-1", "arn:aws:iam::1:user/ofc",
                                "ofc", "email", "ofc@demo-pd.gov", LATER, policy)  # fmt: skip

    # Then the model's JSON is the summary the routes answered with
    same_json(subscription_out(subscription), subscription.summary())


def test_holds_active_ended_and_released() -> None:
    # Given a hold, later ended, and released
    hold = LegalHold("0123456789ab", "demo-pd", "C-1", "homicide evidence", "sgt.chen", T0, LATER, ("r1", "r2"),
                     ("crops/r1.jpg",), {"r1": 1})  # fmt: skip
    released = replace(hold, status=HoldStatus.RELEASED, released_at=LATER, released_by="sgt.chen")

    # Then each model's JSON is the route's old dict
    for case, now in ((hold, T0), (hold, LATER + timedelta(days=1)), (released, T0)):
        same_json(hold_out(case, now), before_hold(case, now))


def test_review_and_batch_pending_and_decided() -> None:
    # Given a pending review, a decided and escalated one, and a signed-off batch
    pending = Review("demo-pd", "2026-02", 7, "ev-7", 7, "h", "ofc.lee", "arn:lee", {"plate": "7KDR394", "n": 2},
                     ("random", "night"), ("burst",), None, T0, LATER)  # fmt: skip
    decided = replace(pending, item=8, assignee="sgt.chen", status=ReviewStatus.UNJUSTIFIED, reviewed_by="sgt.chen",
                      reviewed_at=LATER, notes="no case", escalated_at=LATER)  # fmt: skip
    batch = Batch("demo-pd", "2026-02", T0, LATER, "seed", T0, 120, 2, {"random": 1, "night": 1}, [],
                  "sgt.chen", LATER, "done")  # fmt: skip

    # Then each model's JSON is the route's old dict
    same_json(review_out(pending), before_review(pending))
    same_json(review_out(decided), before_review(decided))
    same_json(batch_out(batch, [pending, decided]), before_batch(batch, [pending, decided]))
    unsigned = replace(batch, signed_off_by=None, signed_off_at=None, sign_off_note=None)
    same_json(batch_out(unsigned, []), before_batch(unsigned, []))


def test_camera_registered_retired_and_its_upload_identity() -> None:
    # Given a registered camera, a seeded one (no registration), and a retired one
    camera = Camera("demo-pd", "cam-1", "Main St", 40.25, -73.5, True, "north", 90.0, CameraStatus.ACTIVE, "cert1",
                    T0, "adm.park")  # fmt: skip
    seeded = Camera("demo-pd", "cam-2", "Elm St", 40.0, -73.0)
    retired = replace(camera, active=False, status=CameraStatus.RETIRED, retired_at=LATER, retired_by="adm.park")
    registration = CameraRegistration(camera, IssuedCertificate("cert1", "arn:cert/cert1", "PEM", "KEY"))

    # Then each model's JSON is the route's old dict, the upload identity with and without local S3
    for case in (camera, seeded, retired):
        same_json(camera_out(case), before_camera(case))
    for target in (
        UploadTarget("images", "us-east-1", "alias"),
        UploadTarget("images", "us-east-1", "alias", "http://s3"),
    ):
        same_json(
            upload_identity(target, registration, "https://cred"), before_identity(target, registration, "https://cred")
        )

    # And a retirement's answer is the camera with the certificates it deactivated last
    answer = CameraRetired(**camera_out(retired).model_dump(), deactivated_certificates=["cert1"])
    same_json(answer, {**before_camera(retired), "deactivated_certificates": ["cert1"]})
