"""The operators' dashboard: one graph per business metric declared in `declaration.METRICS` (sums per five
minutes, one line per dimension value), read from the namespace the functions emit to, with the `service`
dimension Powertools adds to each of them."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

import declaration

PERIOD = Duration.minutes(5)
PER_ROW = 4


def _lines(metric: declaration.Metric, namespace: str, service: str) -> list[cloudwatch.IMetric]:
    if metric.dimension is None:
        return [
            cloudwatch.Metric(
                namespace=namespace,
                metric_name=metric.name,
                dimensions_map={"service": service},
                statistic="Sum",
                period=PERIOD,
                label=metric.title,
            )
        ]
    return [
        cloudwatch.Metric(
            namespace=namespace,
            metric_name=metric.name,
            dimensions_map={"service": service, metric.dimension: value},
            statistic="Sum",
            period=PERIOD,
            label=value,
        )
        for value in metric.values
    ]


class BusinessDashboard(Construct):
    """`dashboard` shows every declared business metric."""

    def __init__(self, scope: Construct, construct_id: str, *, namespace: str, service: str) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.days(1))
        graphs: list[cloudwatch.IWidget] = [
            cloudwatch.GraphWidget(
                title=metric.title,
                left=_lines(metric, namespace, service),
                width=24 // PER_ROW,
                height=6,
                stacked=False,
            )
            for metric in declaration.METRICS
        ]
        for start in range(0, len(graphs), PER_ROW):
            self.dashboard.add_widgets(*graphs[start : start + PER_ROW])
