"""`make demo`: shows a person what the running system does (start it first with `make run`).

Reads where the local cloud is and its admin key from `.run/local-cloud.json` (written by `make run`), or from
BASE_URL and ADMIN_API_KEY."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    info_path = ROOT / ".run" / "local-cloud.json"
    info = json.loads(info_path.read_text()) if info_path.exists() else {}
    base_url = os.environ.get("BASE_URL") or info.get("url")
    admin_key = os.environ.get("ADMIN_API_KEY") or info.get("admin_key")
    if not base_url or not admin_key:
        print("The local cloud is not running: start it with `make run` in another terminal.", file=sys.stderr)
        return 2
    from scripts import demo_issuance, demo_risk

    print(f"== Single-session issuance against {base_url}\n", flush=True)
    demo_issuance.main(base_url)
    print(f"\n== Risk event: one scan, every insurer at once, against {base_url}\n", flush=True)
    demo_risk.main(base_url, admin_key)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
