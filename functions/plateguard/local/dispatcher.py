"""Local stand-in for Lambda's SQS event source mapping.

Long-polls the ingest queue, hands Lambda-shaped SQS batch events to the real handler, deletes the
messages it reports as done and leaves failed ones for redelivery (and, after maxReceiveCount, the
DLQ), as the event source mapping does with ReportBatchItemFailures.
"""

from __future__ import annotations

import logging
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from plateguard.local.aws_calls import handler_name, invoking
from plateguard.schema import INGEST_QUEUE

_log = logging.getLogger(__name__)

# A failed message becomes visible again after this many seconds locally (instead of the 6-minute
# production visibility timeout) so retries and the DLQ can be watched in a demo.
LOCAL_RETRY_DELAY_SECONDS = 2


@dataclass
class LocalLambdaContext:
    function_name: str = "plateguard-ingest-local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 2048
    invoked_function_arn: str = "arn:aws:lambda:us-west-2:123456789012:function:plateguard-ingest-local"
    aws_request_id: str = ""
    log_group_name: str = "/aws/lambda/plateguard-ingest-local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


class QueueDispatcher:
    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        region: str,
        handler: Callable[[dict[str, Any], Any], dict[str, Any]],
        batch_size: int = 5,
        failure_details: Callable[[], dict[str, str]] | None = None,
        max_receives: int = INGEST_QUEUE.dead_letter_max_receives,
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._queue_arn = queue_arn
        self._region = region
        self._handler = handler
        self._batch_size = batch_size
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors: list[str] = []
        # Each failed message with its error (also printed to stderr), and how many went to the DLQ: the
        # handler's batch response names failed messages only, so their errors come from failure_details.
        self._failure_details = failure_details
        self._max_receives = max_receives
        self.failures: list[str] = []
        self.dlq_arrivals = 0

    def poll_once(self, wait_seconds: int = 1) -> int:
        """Receive one batch and dispatch it; returns the number of messages handled."""
        # The event source mapping polls, deletes and returns messages with the function's own
        # execution role, so the whole poll runs as that role (when local mode checks IAM).
        with invoking(handler_name(self._handler)):
            return self._poll_once(wait_seconds)

    def _poll_once(self, wait_seconds: int) -> int:
        response = self._sqs.receive_message(
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return 0
        context = LocalLambdaContext(aws_request_id=str(uuid.uuid4()))
        details: dict[str, str] = {}
        try:
            result = self._handler(sqs_event(messages, self._queue_arn, self._region), context)
            failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
            if failed and self._failure_details is not None:
                details = self._failure_details()
        except Exception as exc:
            # As with Lambda, an invocation error (e.g. every record failed) returns the whole batch.
            self.errors.append(f"batch of {len(messages)} failed: {exc!r}"[:500])
            failed = {m["MessageId"] for m in messages}
            details = dict.fromkeys(failed, repr(exc))
        for message in messages:
            if message["MessageId"] in failed:
                self._report_failure(message, details.get(message["MessageId"], "error not reported by the handler"))
                self._sqs.change_message_visibility(
                    QueueUrl=self._queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=LOCAL_RETRY_DELAY_SECONDS,
                )
            else:
                self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def _report_failure(self, message: dict[str, Any], error: str) -> None:
        receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        line = f"ingest message {message['MessageId']} failed (receive {receives} of {self._max_receives}): {error}"
        if receives >= self._max_receives:
            # SQS moves it to the DLQ instead of delivering it again.
            self.dlq_arrivals += 1
            line += f" -> dead-letter queue (DLQ arrivals: {self.dlq_arrivals})"
        self.failures.append(line[:1000])
        _log.warning(line)
        print(line, file=sys.stderr, flush=True)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ingest-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # keep the local loop alive; the error is shown, not hidden
                self.errors.append(repr(exc))
                self._stop.wait(1)
