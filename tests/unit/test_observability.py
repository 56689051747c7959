"""Metrics stay silent while disabled, however long a local session runs."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.metrics import MetricUnit

from plateguard.observability import metrics


def test_a_disabled_metric_set_never_fills_up_and_prints(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given metrics disabled, as in local mode and the tests
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    # When one metric is added more often than Powertools' 100-value auto-publish limit
    for _ in range(150):
        metrics.add_metric(name="ApiRequests", unit=MetricUnit.Count, value=1)
    # Then nothing was printed (no EMF JSON in a CLI's output) and nothing is held
    assert capsys.readouterr().out == ""
    assert metrics.provider.metric_set == {}
