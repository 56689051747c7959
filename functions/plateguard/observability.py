"""One place for Logger, Tracer and Metrics so every handler is observed the same way."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics.functions import is_metrics_disabled
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment

SERVICE = "plateguard"


class _Metrics(Metrics):
    """Powertools' Metrics, except that nothing accumulates while metrics are disabled (local mode, tests).

    A disabled metric set is never flushed, and Powertools prints a set once any metric reaches 100
    values, disabled or not: a long local session would print EMF JSON into the CLI's output.
    """

    def add_metric(self, *args: Any, **kwargs: Any) -> None:
        if not is_metrics_disabled():
            super().add_metric(*args, **kwargs)


class _Untraced(BaseSegment):
    """A segment that records nothing."""

    def close(self, end_time: int | None = None) -> None: ...
    def add_subsegment(self, subsegment: Any) -> None: ...
    def remove_subsegment(self, subsegment: Any) -> None: ...
    def put_annotation(self, key: str, value: Any) -> None: ...
    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None: ...
    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None: ...


class _NoTracing(BaseProvider):
    """The provider while tracing is off (local mode, tests, benchmarks): Powertools' default is the X-Ray
    recorder, whose import alone is about 240 ms of a cold start that would trace nothing."""

    @contextlib.contextmanager
    def in_subsegment(self, name: Any = None, **kwargs: Any) -> Iterator[BaseSegment]:
        yield _Untraced()

    @contextlib.asynccontextmanager
    async def in_subsegment_async(self, name: Any = None, **kwargs: Any) -> AsyncIterator[BaseSegment]:
        yield _Untraced()

    def put_annotation(self, key: str, value: Any) -> None: ...
    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None: ...
    def patch(self, modules: Sequence[str]) -> None: ...
    def patch_all(self) -> None: ...


class _Tracer(Tracer):
    """Powertools' Tracer, which with tracing off never imports the X-Ray SDK (see _NoTracing)."""

    @staticmethod
    def _disable_tracer_provider() -> None:
        """Nothing to switch off: the X-Ray SDK was never loaded (Powertools would import it to disable it)."""


def _tracer() -> Tracer:
    if Tracer._is_tracer_disabled():  # POWERTOOLS_TRACE_DISABLED, or not running in Lambda
        return _Tracer(service=SERVICE, disabled=True, auto_patch=False, provider=_NoTracing())
    return Tracer(service=SERVICE)  # in Lambda with active tracing: X-Ray, boto3 patched


logger = Logger(service=SERVICE)
tracer = _tracer()
metrics = _Metrics(service=SERVICE, namespace="PlateGuard")

# A batch of only quarantined or duplicate images legitimately publishes no metric.
warnings.filterwarnings("ignore", message="No application metrics to publish")
