"""Supervisor notifications over SNS (implements plateguard.logic.oversight.SupervisorNotifier).

One topic for the deployment; each message carries an `agency` attribute so every agency's
supervisors subscribe with a filter policy and see only their own agency's account changes and reviews.
Messages hold usernames, counts and review IDs, never plate reads.
"""

from __future__ import annotations

import json
from typing import Any

_SNS_SUBJECT_LIMIT = 100


class SnsSupervisorNotifier:
    def __init__(self, sns: Any, topic_arn: str) -> None:
        self._sns = sns
        self._topic_arn = topic_arn

    def notify(self, agency: str, subject: str, details: dict[str, Any]) -> None:
        self._sns.publish(
            TopicArn=self._topic_arn,
            Subject=subject[:_SNS_SUBJECT_LIMIT],
            Message=json.dumps({"agency": agency, "subject": subject, "details": details}, default=str),
            MessageAttributes={"agency": {"DataType": "String", "StringValue": agency}},
        )
