"""The audit digest function's dependencies, from DigestSettings: it reads the audit table and bucket and
signs with the digest key; nothing else (its role may not write audit records)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from plateguard import schema
from plateguard.logic.audit_chain import AuditStore
from plateguard.logic.audit_digest import DigestArchive, DigestSigner
from plateguard.models.job_settings import DigestSettings
from plateguard.wiring import Provider, cached, utc_now


@dataclass(frozen=True)
class DigestDependencies:
    store: AuditStore
    archive: DigestArchive
    signer: DigestSigner
    agencies: list[str]
    clock: Callable[[], datetime]


@cached
def settings() -> DigestSettings:
    return DigestSettings()  # values come from the environment


def build() -> DigestDependencies:
    from plateguard.dal.audit import DynamoAuditStore, KmsDigestSigner, S3AuditArchive
    from plateguard.dal.clients import aws_client
    from plateguard.dal.tables import bind_tables

    config = settings()
    bind_tables(
        {schema.AUDIT.logical_id: config.audit_table_name},
        region=config.aws_region,
        host=config.aws_endpoint_url,
    )
    return DigestDependencies(
        store=DynamoAuditStore(),
        archive=S3AuditArchive(aws_client("s3", config.aws_region, config.aws_endpoint_url), config.audit_bucket_name),
        signer=KmsDigestSigner(aws_client("kms", config.aws_region, config.aws_endpoint_url), config.digest_key_id),
        agencies=config.agency_list,
        clock=utc_now,
    )


dependencies = Provider(build)
