"""What the running system takes from the policy: function settings, the sweep schedule and limits.

The infrastructure (CDK) and local mode should set the Lambda environment from `ingest_environment`
and `api_environment`, and schedule the sweeper every `sweep_interval(policy)` seconds, so the
enforced numbers and the published ones come from the same file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import date, timedelta

from pydantic import TypeAdapter

from plateguard.models.sweep import PERSIST_NON_HITS_AT_LEAST, SweepLimits, sweep_interval_seconds
from plateguard.policy.model import Policy, Scope, SharingGrant


def _days(value: timedelta) -> str:
    return f"{value.total_seconds() / 86_400:.10g}"


def shortest_swept_retention(policy: Policy) -> timedelta:
    r = policy.retention
    return min(r.non_hit_reads, r.hit_reads, r.images, r.crops, r.alerts, r.hotlist_entries)


def sweep_interval(policy: Policy) -> int:
    return sweep_interval_seconds(shortest_swept_retention(policy))


def persists_non_hits(policy: Policy) -> bool:
    """Minute-level non-hit retention: ingest keeps no non-hit read at all (the sweeper is the backstop)."""
    return policy.retention.non_hit_reads >= PERSIST_NON_HITS_AT_LEAST


def sweep_limits(policy: Policy) -> SweepLimits:
    return SweepLimits(images=policy.retention.images, crops=policy.retention.crops)


def ingest_environment(policy: Policy) -> dict[str, str]:
    """Ingest Lambda variables (names from plateguard.models.settings.IngestSettings).

    READ_RETENTION_DAYS is fractional for minute-level presets; PERSIST_NON_HIT_READS is the setting
    this module asks ingest to add (see docs/policy.md, "New Hampshire").
    """
    r = policy.retention
    return {
        "READ_RETENTION_DAYS": _days(r.non_hit_reads),
        "HIT_RETENTION_DAYS": _days(r.hit_reads),
        "ALERT_RETENTION_DAYS": _days(r.alerts),
        "ALERT_MIN_CONFIDENCE": f"{policy.alerts.min_confidence:g}",
        "PERSIST_NON_HIT_READS": "true" if persists_non_hits(policy) else "false",
    }


def api_environment(policy: Policy) -> dict[str, str]:
    """API Lambda variables (names from plateguard.models.settings.ApiSettings)."""
    return {
        "OFFENSE_TYPES": ",".join(policy.purposes.offense_types),
        "INACTIVITY_DISABLE_DAYS": str(policy.accounts.inactive_disable_days),
        "SHARING_GRANTS": sharing_grants_json(policy),
    }


def alert_routes_environment(policy: Policy) -> dict[str, str]:
    """API Lambda variables of the alert routes (plateguard.models.settings.ApiSettings): where
    e-mail and HTTPS alert subscriptions may point (none listed: they are refused)."""
    return {"ALERT_ENDPOINT_DOMAINS": ",".join(policy.alerts.allowed_endpoint_domains)}


_GRANTS = TypeAdapter(list[SharingGrant])

# The sharing scopes the code enforces, each with where: `policy check` refuses a policy whose grants publish
# any other (the register must not promise what the system does not do). Add a scope here only with its
# enforcement and tests.
ENFORCED_SCOPES: dict[Scope, str] = {
    Scope.SEARCH_READS: "officer API: GET /reads?agency= and GET /reads/{read_id}?agency= under the grant",
}


def unenforced_scopes(policy: Policy) -> list[tuple[str, Scope]]:
    """(grant id, scope) for each scope a grant publishes that no code enforces."""
    return [
        (grant.id, scope) for grant in policy.sharing.grants for scope in grant.scopes if scope not in ENFORCED_SCOPES
    ]


def sharing_grants_json(policy: Policy) -> str:
    """The policy's grants as the API enforces them (SHARING_GRANTS): compact JSON, validated on load."""
    return json.dumps(
        [grant.model_dump(mode="json", exclude_none=True) for grant in policy.sharing.grants], separators=(",", ":")
    )


def parse_sharing_grants(text: str) -> tuple[SharingGrant, ...]:
    """SHARING_GRANTS back into grants; malformed text raises (the API then serves nothing: fail closed)."""
    return tuple(_GRANTS.validate_json(text or "[]"))


def grant_for(
    grants: Iterable[SharingGrant],
    recipient_agency: str,
    scope: Scope,
    offense_type: str,
    today: date,
    granting_agency: str | None = None,
) -> SharingGrant | None:
    """The first grant (of `granting_agency`, when given) allowing this recipient this scope and purpose
    today. The recipient is named by `recipient_agency_id` (its agency id) or `recipient_agency`."""
    for grant in grants:
        if (
            recipient_agency in {grant.recipient_agency, grant.recipient_agency_id}
            and (granting_agency is None or grant.granting_agency == granting_agency)
            and scope in grant.scopes
            and offense_type in grant.purposes
            and grant.start <= today <= grant.end
        ):
            return grant
    return None


def sweeper_environment(policy: Policy) -> dict[str, str]:
    """Sweeper Lambda variables: object ages for the S3 pass and the schedule (EventBridge rate)."""
    return {
        "IMAGES_RETENTION_SECONDS": str(int(policy.retention.images.total_seconds())),
        "CROPS_RETENTION_SECONDS": str(int(policy.retention.crops.total_seconds())),
        "SWEEP_INTERVAL_SECONDS": str(sweep_interval(policy)),
    }


def audit_retention_days(policy: Policy) -> int:
    return math.ceil(policy.retention.audit_records.total_seconds() / 86_400)


def grant_allowing(
    policy: Policy, recipient_agency: str, scope: Scope, offense_type: str, today: date
) -> SharingGrant | None:
    """The grant under which a recipient may do this today, or None: sharing is only what a grant says."""
    return grant_for(policy.sharing.grants, recipient_agency, scope, offense_type, today)
