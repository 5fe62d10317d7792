"""The operators' dashboard graphs every declared business metric, from the namespace and with the dimensions
the functions emit them with (Powertools: `service`, plus the metric's own dimension)."""

from __future__ import annotations

import json
from typing import Any

import pytest

import declaration
from stacks.conventions import METRICS_NAMESPACE, SERVICE_NAME

pytestmark = [pytest.mark.xdist_group("infra"), pytest.mark.infra]


def _body(synthesized) -> dict[str, Any]:
    [dashboard] = [r["Properties"] for r in synthesized.resources.values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    body = dashboard["DashboardBody"]
    if isinstance(body, dict):  # Fn::Join around the region token
        body = "".join(part if isinstance(part, str) else "us-east-1" for part in body["Fn::Join"][1])
    return json.loads(body)


def _series(widget: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric name, dimensions) of each line of a graph."""
    found = []
    for line in widget["properties"]["metrics"]:
        names = [part for part in line if isinstance(part, str)]
        namespace, name, pairs = names[0], names[1], names[2:]
        found.append((namespace, name, dict(zip(pairs[::2], pairs[1::2], strict=True))))
    return found


def test_every_declared_business_metric_has_a_graph_with_the_dimensions_the_functions_emit(synthesized):
    graphs = {w["properties"]["title"]: _series(w) for w in _body(synthesized)["widgets"]}
    for metric in declaration.METRICS:
        lines = graphs[metric.title]
        assert {(namespace, name) for namespace, name, _ in lines} == {(METRICS_NAMESPACE, metric.name)}
        if metric.dimension is None:
            assert [dimensions for _, _, dimensions in lines] == [{"service": SERVICE_NAME}]
        else:
            assert [dimensions for _, _, dimensions in lines] == [
                {"service": SERVICE_NAME, metric.dimension: value} for value in metric.values
            ]


def test_the_graphs_sum_counts_and_the_dashboard_name_is_a_stack_output(synthesized):
    for widget in _body(synthesized)["widgets"]:
        for line in widget["properties"]["metrics"]:
            options = next(part for part in line if isinstance(part, dict))
            assert options.get("stat") == "Sum"
    assert "DashboardName" in synthesized.template.to_json()["Outputs"]
