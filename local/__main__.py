"""`python -m local`: run the whole system on this machine until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "shared" / "python")]
RUN_INFO = ROOT / ".run" / "local-cloud.json"  # read by `make demo`: where the running cloud is and its admin key


def main() -> int:
    from local.cloud import LocalCloud
    from local.components import default_components

    parser = argparse.ArgumentParser(description="Run the insurance platform on an embedded local cloud.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--state-dir",
        type=Path,
        help="keep what people create (tables' items, secrets) in this directory across restarts (`make run`); "
        "without it every start is clean and nothing is kept",
    )
    parser.add_argument("--reset", action="store_true", help="forget what --state-dir kept, then start clean")
    args = parser.parse_args()

    from local.persistence import wipe, write_private

    if args.reset and args.state_dir is not None:
        wipe(args.state_dir)
    cloud = LocalCloud(port=args.port, host=args.host, components=default_components(), state_dir=args.state_dir)
    cloud.start()
    print(f"Insurance platform is up in {cloud.started_at:.1f} s", flush=True)
    print(f"  API       {cloud.url}", flush=True)
    print(f"  Docs      {cloud.url}/docs  (OpenAPI: {cloud.url}/openapi.json)", flush=True)
    print(f"  Health    {cloud.url}/health", flush=True)
    print(f"  AWS       {cloud.moto_url}  (moto)", flush=True)
    for component in cloud.components:
        describe = getattr(component, "describe", None)
        if describe:
            print(f"  {describe()}", flush=True)
    if cloud.admin_key_generated:
        print(f"  Admin key {cloud.admin_key}  (made up; set ADMIN_API_KEY to choose one)", flush=True)
    else:
        print("  Admin key from ADMIN_API_KEY", flush=True)
    if args.state_dir is not None:
        kept = cloud.journal.restored
        print(
            f"  State     {args.state_dir} ({kept} items kept from earlier runs; `make reset` starts clean)", flush=True
        )
    write_private(RUN_INFO, json.dumps({"url": cloud.url, "admin_key": cloud.admin_key, "moto_url": cloud.moto_url}))
    print("Press Ctrl-C to stop.", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    print("Stopping…", flush=True)
    cloud.stop()
    RUN_INFO.unlink(missing_ok=True)
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
