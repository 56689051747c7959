"""Nothing fails silently: every dead-letter queue and late deletion raises an alarm with an action."""

from __future__ import annotations

from tests.infra.helpers import Synthesized, resolve_arn


def test_every_dead_letter_queue_has_an_alarm_that_notifies(synth: Synthesized) -> None:
    queues = synth.resources("AWS::SQS::Queue")
    dead_letter_queues = {
        resolve_arn(q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]).strip("<>").split(".")[0]
        for q in queues.values()
        if "RedrivePolicy" in q["Properties"]
    } | {
        resolve_arn(f["Properties"]["DeadLetterConfig"]["TargetArn"]).strip("<>").split(".")[0]
        for f in synth.resources("AWS::Lambda::Function").values()
        if "DeadLetterConfig" in f["Properties"]
    }
    alarmed = set()
    for alarm in synth.resources("AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        assert props["AlarmActions"], props["AlarmDescription"]  # every alarm notifies someone
        if props.get("MetricName") == "ApproximateNumberOfMessagesVisible":
            alarmed |= {resolve_arn(d["Value"]).strip("<>").split(".")[0] for d in props["Dimensions"]}
    assert dead_letter_queues and dead_letter_queues <= alarmed


def test_late_deletion_raises_an_alarm(synth: Synthesized) -> None:
    synth.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"Namespace": "PlateGuard", "MetricName": "DeletionLatenessSeconds", "Statistic": "Maximum"},
    )
