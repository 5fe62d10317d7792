"""Reading the business metrics a test's code emitted: the CloudWatch Embedded Metric Format lines Powertools
prints on stdout (captured with pytest's `capsys`), as CloudWatch would read them."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any


def emitted(stdout: str) -> list[dict[str, Any]]:
    """Every EMF document printed: each line of stdout that is a JSON object with an `_aws` block."""
    documents = []
    for raw in stdout.splitlines():
        line = raw.strip()
        if not line.startswith("{"):
            continue
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "_aws" in document:
            documents.append(document)
    return documents


def counts(stdout: str, namespace: str = "InsurancePlatform") -> Counter[tuple[str, tuple[tuple[str, str], ...]]]:
    """Summed values by (metric name, its own dimensions as sorted (name, value) pairs), in `namespace`; the
    `service` dimension Powertools adds to every metric of the platform is left out of the key."""
    totals: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
    for document in emitted(stdout):
        for directive in document["_aws"]["CloudWatchMetrics"]:
            if directive["Namespace"] != namespace:
                continue
            dimensions = tuple(
                sorted(
                    (name, document[name]) for names in directive["Dimensions"] for name in names if name != "service"
                )
            )
            for metric in directive["Metrics"]:
                value = document[metric["Name"]]
                for one in value if isinstance(value, list) else [value]:
                    totals[(metric["Name"], dimensions)] += one
    return totals
