"""Cold start of every declared function: median over fresh interpreters of import + first invocation, side by
side in the same run with the naive baseline handler. Functions run against a local moto server, so a first
invocation that reaches AWS pays for it as it would in Lambda."""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import declaration

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("COLDSTART_RUNS", "21"))
TARGET_RATIO = 0.5


def probe_event(function: declaration.Function) -> dict:
    """A first request: the function's first route with an empty body (an unknown id where the path has one), an
    empty batch for a queue consumer, an empty task input. The platform's stored rulebooks are in place."""
    if function.routes:
        route = function.routes[0]
        path = route.path.replace("{", "").replace("}", "")
        params = {p.strip("{}"): "bench" for p in route.path.split("/") if p.startswith("{")}
        return {
            "resource": route.path,
            "path": path,
            "httpMethod": route.method,
            "headers": {"content-type": "application/json"},
            "multiValueHeaders": {},
            "queryStringParameters": None,
            "pathParameters": params or None,
            "body": "{}" if route.method in ("POST", "PATCH", "PUT") else None,
            "isBase64Encoded": False,
            "requestContext": {"requestId": "cold", "stage": "bench", "resourcePath": route.path},
        }
    if function.trigger:
        return {"Records": []}
    return {}


BASELINE_EVENT = {
    "resource": "/items",
    "path": "/items",
    "httpMethod": "POST",
    "headers": {"content-type": "application/json"},
    "body": "{}",
    "isBase64Encoded": False,
    "requestContext": {"requestId": "cold", "stage": "bench"},
}


def _seed(environment: dict[str, str]) -> None:
    """A deployed platform has its rulebooks stored: seed them once, outside the measured cold starts."""
    from insure.aws import reset_clients
    from insure.products.rulebooks import seed_rulebooks
    from insure.settings import get_settings

    os.environ.update(environment)
    get_settings.cache_clear()
    reset_clients()
    seed_rulebooks()


def _measure(handler_path: Path, event: dict, env: dict[str, str]) -> float:
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "coldstart_probe.py"), str(handler_path), json.dumps(event)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=ROOT,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1])["total_s"])


def run() -> str:
    import boto3
    from moto.server import ThreadedMotoServer

    from local.cloud import free_port
    from local.resources import create_all

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        "POWERTOOLS_SERVICE_NAME": "bench",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PYTHONPATH": f"{ROOT}:{ROOT / 'layers' / 'shared' / 'python'}",
    }
    try:
        os.environ.update(
            {
                k: env[k]
                for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")
            }
        )
        deployment = create_all(boto3.session.Session(region_name="us-east-1"))
        env.update(deployment.environment)
        _seed(deployment.environment)
        # The layer is deployed with its bytecode compiled (stacks/layers.py): compile it here too, for this
        # interpreter (checked by file time, so an edited module is compiled again), as the installed packages are.
        compileall.compile_dir(str(ROOT / "layers" / "shared" / "python"), quiet=1)
        targets = [(f.name, ROOT / "functions" / f.name / "handler.py", probe_event(f)) for f in declaration.FUNCTIONS]
        samples: dict[str, list[float]] = {"(baseline)": []}
        samples.update({name: [] for name, _, _ in targets})
        for _ in range(RUNS):  # interleaved, so machine load affects every function alike
            samples["(baseline)"].append(_measure(ROOT / "benchmarks" / "naive_handler.py", BASELINE_EVENT, env))
            for name, path, event in targets:
                samples[name].append(_measure(path, event, env))
    finally:
        server.stop()

    baseline = statistics.median(samples["(baseline)"])
    lines = [
        "## Cold start (import + first invocation)",
        "",
        f"Median of {RUNS} fresh interpreters per function, interleaved with the naive baseline handler "
        "(Logger, Metrics, Tracer, validating resolver, pydantic, idempotency and a boto3 client at module level). "
        "The layer's modules are compiled ahead, as the deployed layer ships them; the installed packages are too. "
        f"Target: each function ≤ {TARGET_RATIO}× the baseline.",
        "",
        "| function | median ms | p90 ms | × baseline | target met |",
        "|---|---:|---:|---:|---|",
    ]
    worst = 0.0
    for name, values in samples.items():
        median = statistics.median(values)
        p90 = sorted(values)[max(0, int(len(values) * 0.9) - 1)]
        ratio = median / baseline
        if name != "(baseline)":
            worst = max(worst, ratio)
        met = "" if name == "(baseline)" else ("yes" if ratio <= TARGET_RATIO else "**no**")
        lines.append(f"| {name} | {median * 1000:.0f} | {p90 * 1000:.0f} | {ratio:.2f} | {met} |")
        print(f"{name:28s} median {median * 1000:7.1f} ms  p90 {p90 * 1000:7.1f} ms  ratio {ratio:.2f}", flush=True)
    lines += ["", f"Worst ratio: {worst:.2f}× the baseline ({baseline * 1000:.0f} ms).", ""]
    return "\n".join(lines)
