"""The agency's case-number export feeds the unknown-case-number signal, and only when it exists."""

from __future__ import annotations

import boto3
from moto import mock_aws

from plateguard.dal.cases import S3CaseRegistry
from plateguard.schema import CASE_REGISTRY_PREFIX


def test_known_case_numbers_come_from_the_export_and_no_export_means_no_signal() -> None:
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="images")
        s3.put_object(Bucket="images", Key=f"{CASE_REGISTRY_PREFIX}demo-pd.txt", Body=b"\xef\xbb\xbfC-1\nC-2\n\n")
        registry = S3CaseRegistry(s3, "images")
        # Given an export for demo-pd: only its numbers are known
        assert registry.has_export("demo-pd")
        assert registry.known("demo-pd", {"C-1", "C-9"}) == {"C-1"}
        # Given no export for other-pd: nothing is flagged and the job marks the check as not done
        assert not registry.has_export("other-pd")
        assert registry.known("other-pd", {"C-9"}) == {"C-9"}
