"""Incident response hooks (IR) and the mobile alert channel (MA)."""

from __future__ import annotations

from plateguard import schema
from plateguard.compliance.controls.base import denies_insecure_transport, kms_cmk, plateguard_functions, truthy
from plateguard.compliance.template import Checker, as_list, statements


def check_failure_capture(c: Checker) -> None:
    t = c.template
    queue = schema.INGEST_QUEUE.logical_id
    c.expect(
        queue,
        "RedrivePolicy.deadLetterTargetArn",
        lambda v: t.target(v) is not None,
        "a dead-letter queue of this stack",
    )
    for name in plateguard_functions(t) or c.each("AWS::Lambda::Function", "functions"):
        c.expect(name, "TracingConfig.Mode", lambda v: v == "Active", "Active (X-Ray)")
    for stage in c.each("AWS::ApiGateway::Stage", "the API stage"):
        c.expect(stage, "TracingEnabled", truthy, "true")
        c.expect(stage, "MethodSettings[0].MetricsEnabled", truthy, "true")
        c.expect(
            stage,
            "MethodSettings[0].DataTraceEnabled",
            lambda v: v is False or v == "false",
            "false (no plates in execution logs)",
        )


def check_alert_channel(c: Checker) -> None:
    topic = schema.ALERT_TOPIC.logical_id
    c.expect(topic, "KmsMasterKeyId", kms_cmk(c), "a customer-managed key of this stack")
    t = c.template
    policies = [
        p
        for p, r in t.of_type("AWS::SNS::TopicPolicy").items()
        if topic in {t.target(x) for x in as_list(r["Properties"].get("Topics"))}
    ]
    c.require(bool(policies), f"{topic}: no topic policy denying non-TLS publishes")
    for policy in policies:
        c.expect(
            policy,
            "PolicyDocument",
            lambda v: denies_insecure_transport(statements(v)),
            "Deny when aws:SecureTransport is false",
        )
    # Details (the crop URL) come through the authenticated API, never inside the alert itself.
    methods = [
        m
        for m, r in t.of_type("AWS::ApiGateway::Method").items()
        if r["Properties"].get("HttpMethod") == "GET" and "read_id" in str(r["Properties"].get("RequestParameters", {}))
    ]
    c.require(bool(methods), "no GET /reads/{read_id} method to fetch alert details through")
    for method in methods:
        c.expect(method, "AuthorizationType", lambda v: v == "AWS_IAM", "AWS_IAM (SigV4)")
