"""The subscription removal's SNS side in memory (its store's fake is tests.fakes.officer_api's
MemorySubscriptionStore)."""

from __future__ import annotations


class RecordingSns:
    """logic.subscriptions.Unsubscriber: records each removal; `fail` makes SNS unavailable."""

    def __init__(self, fail: bool = False) -> None:
        self.unsubscribed: list[str] = []
        self.fail = fail

    def unsubscribe(self, subscription_arn: str) -> None:
        if self.fail:
            raise RuntimeError("SNS unavailable")
        self.unsubscribed.append(subscription_arn)
