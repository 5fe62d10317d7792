#!/usr/bin/env python3
"""`make synth`: synthesize the CDK app offline (no credentials, no Docker, bundling skipped), then cfn-lint the
template (0 errors) and fail on any cdk-nag AwsSolutions finding that is not acknowledged. Exit code 0 = clean."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "shared" / "python")]
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

CFN_LINT_ERROR_BITS = 0b011  # 1: fatal, 2: error (4: warning, 8: informational do not fail)


def nag_findings(outdir: Path) -> list[str]:
    """Every unacknowledged violation in the policy validation report, one line each."""
    report = outdir / "validation-report.json"
    if not report.exists():
        return []
    lines = []
    for plugin in json.loads(report.read_text()).get("pluginReports", []):
        for violation in plugin.get("violations", []):
            for construct in violation.get("violatingConstructs", []):
                lines.append(f"{violation['ruleName']} ({violation['severity']}) at {construct['constructPath']}")
    return lines


def synthesize(outdir: Path) -> tuple[Path | None, list[str]]:
    from stacks.application import build_app, offline_context

    app, stack = build_app(offline_context(), outdir=str(outdir))
    try:
        app.synth()
    except Exception as error:  # noqa: BLE001 (jsii raises RuntimeError/JavaScriptError; the report says why)
        findings = nag_findings(outdir)
        return None, findings or [f"synthesis failed: {str(error).splitlines()[0]}"]
    return outdir / stack.template_file, nag_findings(outdir)


def cfn_lint(template: Path) -> tuple[int, str]:
    executable = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(  # noqa: S603 (fixed argv)
        [str(executable), "-i", "W3005", "--", str(template)], capture_output=True, text=True, check=False
    )
    return result.returncode, (result.stdout + result.stderr).strip()


def summary(template: Path) -> str:
    resources = json.loads(template.read_text())["Resources"]
    counts = Counter(resource["Type"] for resource in resources.values())
    interesting = (
        "AWS::Lambda::Function",
        "AWS::ApiGateway::Method",
        "AWS::ApiGatewayV2::Route",
        "AWS::DynamoDB::Table",
        "AWS::SQS::Queue",
        "AWS::StepFunctions::StateMachine",
        "AWS::S3::Bucket",
        "AWS::SecretsManager::Secret",
        "AWS::CloudWatch::Alarm",
    )
    parts = [f"{counts.get(kind, 0)} {kind.split('::', 1)[1]}" for kind in interesting]
    return f"{len(resources)} resources: " + ", ".join(parts)


def main() -> int:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cdk.out.") as scratch:
        outdir = Path(scratch)
        template, findings = synthesize(outdir)
        synth_s = time.perf_counter() - started
        problems = 0
        if template is None:
            print(f"synth: FAILED after {synth_s:.1f} s")
        else:
            print(f"synth: {summary(template)} ({synth_s:.1f} s)")
        if findings:
            problems += len(findings)
            print(f"cdk-nag AwsSolutions: {len(findings)} unacknowledged finding(s)")
            for line in findings:
                print(f"  {line}")
        else:
            print("cdk-nag AwsSolutions: 0 unacknowledged findings")
        if template is not None:
            linted = time.perf_counter()
            code, output = cfn_lint(template)
            lint_s = time.perf_counter() - linted
            if code & CFN_LINT_ERROR_BITS:
                problems += 1
                print(f"cfn-lint: errors (exit {code}, {lint_s:.1f} s)\n{output}")
            else:
                print(f"cfn-lint: 0 errors ({lint_s:.1f} s)" + (f", warnings:\n{output}" if output else ""))
    verdict = "OK" if not problems else f"{problems} problem(s)"
    print(f"synth check: {verdict} in {time.perf_counter() - started:.1f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
