"""Business metrics as operators read them: one EMF line per event, in the platform's namespace, with the
dimension the dashboard splits on; the names the layer emits are the ones the stack's dashboard declares."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import declaration
from insure import metrics
from tests.emf import counts, emitted

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def namespace(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "InsurancePlatform")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "insurance-platform")


def test_an_event_is_one_emf_line_counted_in_the_platform_namespace_with_its_dimension(capsys):
    # When one declined decision is counted
    metrics.count(metrics.UNDERWRITING_DECISIONS, outcome="declined")
    # Then stdout holds one EMF document CloudWatch turns into UnderwritingDecisions{outcome=declined} = 1
    [document] = emitted(capsys.readouterr().out)
    [directive] = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "InsurancePlatform"
    assert directive["Metrics"] == [{"Name": "UnderwritingDecisions", "Unit": "Count"}]
    assert directive["Dimensions"] == [["outcome", "service"]]
    assert document["outcome"] == "declined" and document["service"] == "insurance-platform"
    assert document["UnderwritingDecisions"] in (1, 1.0, [1.0])


def test_events_are_counted_each_time_they_happen(capsys):
    for _ in range(3):
        metrics.count(metrics.SCANS_ACCEPTED)
    metrics.count(metrics.SIGNATURES_REJECTED, sender="scanner")
    seen = counts(capsys.readouterr().out)
    assert seen[("ScansAccepted", ())] == 3
    assert seen[("SignaturesRejected", (("sender", "scanner"),))] == 1


def test_a_metric_that_cannot_be_emitted_never_fails_the_work_it_counts(monkeypatch, capsys):
    import aws_lambda_powertools.metrics as powertools_metrics

    def broken(**_: object) -> None:
        raise RuntimeError("stdout closed")

    monkeypatch.setattr(powertools_metrics, "single_metric", broken)
    metrics.count(metrics.POLICIES_ISSUED)  # no exception
    assert emitted(capsys.readouterr().out) == []


def test_the_layer_emits_exactly_the_metrics_the_dashboard_declares():
    declared = {m.name: m for m in declaration.METRICS}
    assert set(metrics.EMITTED) == set(declared)
    assert declared[metrics.UNDERWRITING_DECISIONS].dimension == "outcome"
    assert declared[metrics.SIGNATURES_REJECTED].dimension == "sender"
    assert set(declared[metrics.SIGNATURES_REJECTED].values) == {"scanner", "insurer", "connector"}


def test_importing_the_metrics_module_does_not_import_powertools_metrics():
    # Cold starts pay for Powertools' metrics only when a function counts its first event
    script = "import sys, insure.metrics; print(json.dumps(sorted(m for m in sys.modules if 'powertools' in m)))"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'layers' / 'shared' / 'python'}"}
    out = subprocess.run(
        [sys.executable, "-c", "import json; " + script], check=False, capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []
