"""The agency's case numbers, as exported by its records management system, for the misuse signal
"search under a case number the agency does not know" (logic/misuse.py CaseRegistry).

The export is a text object, one case number per line, at `s3://IMAGES_BUCKET/case-registry/{agency}.txt`
(a prefix no lifecycle rule, camera or sweeper touches). Without an export the signal is not evaluated
and the sample batch records `caseListChecked: false`.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from plateguard.schema import CASE_REGISTRY_PREFIX


class S3CaseRegistry:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._cache: dict[str, set[str] | None] = {}

    def _load(self, agency: str) -> set[str] | None:
        if agency not in self._cache:
            try:
                body = self._s3.get_object(Bucket=self._bucket, Key=f"{CASE_REGISTRY_PREFIX}{agency}.txt")["Body"]
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    self._cache[agency] = None
                    return None
                raise
            text = body.read().decode("utf-8-sig")
            self._cache[agency] = {line.strip() for line in text.splitlines() if line.strip()}
        return self._cache[agency]

    def has_export(self, agency: str) -> bool:
        return self._load(agency) is not None

    def known(self, agency: str, case_numbers: set[str]) -> set[str]:
        """The given case numbers the agency knows; all of them when it has no export (no signal)."""
        export = self._load(agency)
        return set(case_numbers) if export is None else case_numbers & export
