"""SNS publishing of alerts."""

from __future__ import annotations

from typing import Any


class SnsAlertPublisher:
    def __init__(self, sns: Any, topic_arn: str) -> None:
        self._sns = sns
        self._topic_arn = topic_arn

    def publish(self, message: str, attributes: dict[str, dict[str, str]]) -> None:
        self._sns.publish(
            TopicArn=self._topic_arn,
            Message=message,
            MessageStructure="json",
            MessageAttributes=attributes,
        )
