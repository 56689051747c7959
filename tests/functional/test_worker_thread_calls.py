"""The AWS call recorder sees calls made from worker threads: the retention sweeper lists object versions
from a thread pool, and those listings must be attributed (and so checked against the role) like any other."""

from __future__ import annotations

import boto3
from moto import mock_aws

from plateguard.dal.sweeper_store import S3SweepObjects
from plateguard.local.aws_calls import AwsCallRecorder, Principal, acting_as

REGION = "us-west-2"


def test_the_sweepers_pooled_version_listings_are_attributed_to_the_sweeper() -> None:
    with mock_aws(), AwsCallRecorder() as recorder:
        # Given a versioned bucket holding two frames (set up by nobody in particular)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="pg-images", CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_versioning(Bucket="pg-images", VersioningConfiguration={"Status": "Enabled"})
        for key in ("incoming/a.jpg", "incoming/b.jpg"):
            s3.put_object(Bucket="pg-images", Key=key, Body=b"frame")
        # When the sweeper destroys both (their versions listed from its thread pool)
        with acting_as(Principal(label="plateguard.handlers.sweeper.handle_retention_sweep", role="")):
            S3SweepObjects(s3, "pg-images").destroy(["incoming/a.jpg", "incoming/b.jpg"])
        # Then nothing of either frame is left
        assert "Versions" not in s3.list_object_versions(Bucket="pg-images")
    # And every listing is the sweeper's, none is nobody's
    calls = [(c.principal, c.operation) for c in recorder.attributed()]
    sweeper = "plateguard.handlers.sweeper.handle_retention_sweep"
    assert calls.count((sweeper, "ListObjectVersions")) == 2
    assert (sweeper, "DeleteObjects") in calls
    assert [c.operation for c in recorder.unattributed].count("ListObjectVersions") == 1  # the check above
