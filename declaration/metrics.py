"""The business metrics operators watch, declared once: the functions emit them (`insure.metrics`, CloudWatch
Embedded Metric Format, namespace `POWERTOOLS_METRICS_NAMESPACE`) and the stack draws its dashboard from this list
(`stacks/dashboard.py`). A test keeps the names the layer emits and the names declared here in step."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    """A count of one business event; with a `dimension`, one series per value in `values`."""

    name: str
    title: str
    description: str
    dimension: str | None = None
    values: tuple[str, ...] = ()


METRICS: tuple[Metric, ...] = (
    Metric("QuotesGiven", "Quotes", "A preliminary premium was quoted (POST /quotes)."),
    Metric(
        "UnderwritingDecisions",
        "Decisions by outcome",
        "The underwriting workflow decided on a submitted application.",
        "outcome",
        ("approved", "declined"),
    ),
    Metric("PoliciesIssued", "Policies issued", "A paid application became a policy."),
    Metric("PaymentsDeclined", "Payments declined", "The card processor declined a premium charge."),
    Metric("ScansAccepted", "Scans accepted", "A signed tag scan was accepted and opened or joined an event."),
    Metric("ClaimsFiled", "Claims filed", "An insurer answered the platform's claim filing with a reference."),
    Metric(
        "InsurersUnreachable",
        "Insurers unreachable",
        "The platform gave up reaching an insurer for a claim (final status `unreachable`).",
    ),
    Metric(
        "SignaturesRejected",
        "Signatures rejected",
        "A signed request (a scanner's scan, an insurer's webhook, a connector call to the platform's claims desk) "
        "failed verification.",
        "sender",
        ("scanner", "insurer", "connector"),
    ),
)
