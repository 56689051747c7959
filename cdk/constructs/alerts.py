"""The hot-list alert topic: encrypted with its own key, TLS-only."""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from plateguard import schema


class Alerts(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(
            self,
            schema.ALERT_TOPIC.logical_id,
            display_name="PlateGuard hot-list alerts",
            master_key=key,
            enforce_ssl=True,
        )
        self.topic.node.default_child.override_logical_id(schema.ALERT_TOPIC.logical_id)  # type: ignore[union-attr]
