"""Business metrics, emitted where the event happens: one CloudWatch Embedded Metric Format line on stdout per
event (Powertools `single_metric`), which CloudWatch Logs turns into the metric; no API call, nothing buffered,
nothing to flush at the end of an invocation. Powertools' metrics module is imported on the first event, not with
this module, so a function pays for it only once it has something to count.

The names are declared, with the dashboard that shows them, in `declaration/metrics.py`; the namespace is
`POWERTOOLS_METRICS_NAMESPACE` (set on every function by the stack). A metric never fails the work it counts."""

from __future__ import annotations

import logging

QUOTES_GIVEN = "QuotesGiven"
UNDERWRITING_DECISIONS = "UnderwritingDecisions"
"""Dimension `outcome`: `approved` or `declined`."""
POLICIES_ISSUED = "PoliciesIssued"
PAYMENTS_DECLINED = "PaymentsDeclined"
SCANS_ACCEPTED = "ScansAccepted"
CLAIMS_FILED = "ClaimsFiled"
INSURERS_UNREACHABLE = "InsurersUnreachable"
SIGNATURES_REJECTED = "SignaturesRejected"
"""Dimension `sender`: `scanner`, `insurer` or `connector` (the platform's own connector calling its claims desk)."""

EMITTED = (
    QUOTES_GIVEN,
    UNDERWRITING_DECISIONS,
    POLICIES_ISSUED,
    PAYMENTS_DECLINED,
    SCANS_ACCEPTED,
    CLAIMS_FILED,
    INSURERS_UNREACHABLE,
    SIGNATURES_REJECTED,
)
DEFAULT_NAMESPACE = "InsurancePlatform"

log = logging.getLogger(__name__)


def count(name: str, value: int = 1, **dimensions: str) -> None:
    """Count `value` occurrences of the business event `name` now, with at most one dimension."""
    try:
        import os

        from aws_lambda_powertools.metrics import MetricUnit, single_metric

        namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE
        with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=namespace) as metric:
            for dimension, dimension_value in dimensions.items():
                metric.add_dimension(name=dimension, value=dimension_value)
    except Exception:  # a metric must never fail (or undo) what it counts
        log.warning("metric %s not emitted", name, exc_info=True)
