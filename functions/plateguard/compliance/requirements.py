"""What a call needs from IAM beyond its own action: a permission (`Requirement`) and the KMS permissions
that calls on encrypted resources imply. Shared by local mode's call recorder (plateguard.local.aws_calls)
and the compliance report's permission usage (plateguard.compliance.usage), which must agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Requirement:
    action: str
    resource: str
    context: Mapping[str, str] = field(default_factory=dict)  # e.g. kms:ViaService for an implied KMS call


def implied_kms(
    service: str,
    operation: str,
    direct: list[tuple[str, str]],
    encryption_key: Callable[[str], str | None],
    region: str,
) -> list[Requirement]:
    """The KMS permissions the `direct` (action, resource) pairs of one call imply, where
    `encryption_key(resource)` names the key that encrypts the target."""
    via = {"kms:ViaService": f"{service}.{region}.amazonaws.com"}
    implied: list[Requirement] = []

    def need(action: str, resource: str) -> None:
        key = encryption_key(resource)
        if key is not None and Requirement(action, key, via) not in implied:
            implied.append(Requirement(action, key, via))

    for action, resource in direct:
        if service == "s3" and action in ("s3:GetObject", "s3:GetObjectVersion") and operation != "HeadObject":
            need("kms:Decrypt", resource)  # SSE-KMS objects are decrypted with the caller's permissions
        elif service == "s3" and action == "s3:PutObject":
            need("kms:GenerateDataKey", resource)
        elif service == "dynamodb":
            need("kms:Decrypt", resource)  # the table key is decrypted for the caller, reads and writes alike
        elif service == "sns" and action == "sns:Publish":
            need("kms:GenerateDataKey", resource)
            need("kms:Decrypt", resource)
        elif service == "sqs" and action == "sqs:ReceiveMessage":
            need("kms:Decrypt", resource)
        elif service == "sqs" and action == "sqs:SendMessage":
            need("kms:GenerateDataKey", resource)
            need("kms:Decrypt", resource)
    return implied
