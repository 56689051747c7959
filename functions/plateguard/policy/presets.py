"""Jurisdiction presets a policy file can extend (`extends: california`).

A preset supplies defaults (merged under the file) and limits the file cannot exceed: the longest
retention its statute allows for each capped class, and the recipient types it may share with. The
citations are printed in docs/policy.md and in every rendered policy; statutes change, so an agency's
counsel confirms them before adoption.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from plateguard.policy.model import CALIFORNIA_PUBLIC, RecipientType, RetentionClass

_PUBLIC_ANYWHERE = frozenset(
    {*CALIFORNIA_PUBLIC, RecipientType.IN_STATE, RecipientType.OUT_OF_STATE, RecipientType.FEDERAL}
)
# What "non-hit data" covers in a statute: the read, its crop and the frame it came from.
_NON_HIT_CLASSES = (RetentionClass.NON_HIT_READS, RetentionClass.CROPS, RetentionClass.IMAGES)


@dataclass(frozen=True)
class Preset:
    key: str
    jurisdiction: str
    state: str
    citation: str
    summary: str
    max_retention: dict[RetentionClass, timedelta]
    allowed_recipients: frozenset[RecipientType]
    sharing_rule: str
    defaults: dict[str, Any] = field(default_factory=dict)


def _non_hit_cap(limit: timedelta) -> dict[RetentionClass, timedelta]:
    return dict.fromkeys(_NON_HIT_CLASSES, limit)


def _defaults(non_hit: str) -> dict[str, Any]:
    return {"retention": {"non_hit_reads": non_hit, "crops": non_hit, "images": non_hit}}


_GENERIC_SHARING = "Public agencies only, under a recorded grant; never sold, never transferred to private entities."

PRESETS: dict[str, Preset] = {
    preset.key: preset
    for preset in (
        Preset(
            key="california",
            jurisdiction="California",
            state="CA",
            citation=(
                "Cal. Civ. Code §§ 1798.90.5 to 1798.90.55 (SB 34, 2015); "
                "California Attorney General Information Bulletin 2023-DLE-06"
            ),
            summary=(
                "Usage and privacy policy with seven required elements; every access logged; a public agency "
                "may not sell ALPR data and may share it only with California public agencies. No statewide "
                "retention cap (the State Auditor, report 2019-118, asked agencies to set one based on need)."
            ),
            max_retention={},
            allowed_recipients=frozenset(CALIFORNIA_PUBLIC),
            sharing_rule=(
                "California public agencies only (Civ. Code § 1798.90.55(b); AG bulletin 2023-DLE-06: no out-of-"
                "state or federal recipients, including through a vendor's network); never sold."
            ),
            defaults=_defaults("30 days"),
        ),
        Preset(
            key="new-hampshire",
            jurisdiction="New Hampshire",
            state="NH",
            citation="N.H. Rev. Stat. Ann. § 261:75-b",
            summary=(
                "Plate data that does not lead to an arrest, citation, protective custody or identification "
                "of a vehicle or owner of interest is purged within 3 minutes of capture."
            ),
            max_retention=_non_hit_cap(timedelta(minutes=3)),
            allowed_recipients=_PUBLIC_ANYWHERE,
            sharing_rule=_GENERIC_SHARING,
            defaults=_defaults("3 minutes"),
        ),
        Preset(
            key="maine",
            jurisdiction="Maine",
            state="ME",
            citation="Me. Rev. Stat. tit. 29-A, § 2117-A",
            summary="Automated license plate recognition data may not be kept more than 21 days.",
            max_retention=_non_hit_cap(timedelta(days=21)),
            allowed_recipients=_PUBLIC_ANYWHERE,
            sharing_rule=_GENERIC_SHARING,
            defaults=_defaults("21 days"),
        ),
        Preset(
            key="virginia",
            jurisdiction="Virginia",
            state="VA",
            citation="Va. Code Ann. § 2.2-5517 (2025 Acts, HB 2724)",
            summary="ALPR data not related to an ongoing investigation is purged after 21 days.",
            max_retention=_non_hit_cap(timedelta(days=21)),
            allowed_recipients=_PUBLIC_ANYWHERE,
            sharing_rule=_GENERIC_SHARING,
            defaults=_defaults("21 days"),
        ),
        Preset(
            key="minnesota",
            jurisdiction="Minnesota",
            state="MN",
            citation="Minn. Stat. § 13.824",
            summary="Data not related to an active criminal investigation is destroyed within 60 days.",
            max_retention=_non_hit_cap(timedelta(days=60)),
            allowed_recipients=_PUBLIC_ANYWHERE,
            sharing_rule=_GENERIC_SHARING,
            defaults=_defaults("60 days"),
        ),
        Preset(
            key="arkansas",
            jurisdiction="Arkansas",
            state="AR",
            citation="Ark. Code Ann. §§ 12-12-1801 to 12-12-1808",
            summary="Captured plate data may not be preserved for more than 150 days.",
            max_retention=_non_hit_cap(timedelta(days=150)),
            allowed_recipients=_PUBLIC_ANYWHERE,
            sharing_rule=_GENERIC_SHARING,
            defaults=_defaults("150 days"),
        ),
        Preset(
            key="vermont",
            jurisdiction="Vermont",
            state="VT",
            citation="Vt. Stat. Ann. tit. 23, § 1607",
            summary="Captured ALPR data is not kept more than 18 months unless preserved for a case.",
            max_retention=_non_hit_cap(timedelta(days=540)),
            allowed_recipients=_PUBLIC_ANYWHERE,
            sharing_rule=_GENERIC_SHARING,
            defaults=_defaults("18 months"),
        ),
    )
}
