"""Runs each benchmark module (`benchmarks/bench_*.py`, each exposing `run() -> str`, a Markdown section) and
writes BENCHMARKS.md with the machine it ran on. `python -m benchmarks NAME…` runs only those."""

from __future__ import annotations

import datetime
import importlib
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    names = sorted(p.stem for p in (ROOT / "benchmarks").glob("bench_*.py"))
    chosen = [n for n in names if not argv or n in argv or n.removeprefix("bench_") in argv]
    sections = []
    for name in chosen:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        sections.append(module.run())
    header = (
        "# Benchmarks\n\n"
        f"Measured by `make bench` on {datetime.date.today().isoformat()}: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. Figures are printed by the run that wrote "
        "this file; re-run `make bench` to refresh them.\n"
    )
    if argv:
        print("\n".join(sections))
        return 0
    (ROOT / "BENCHMARKS.md").write_text(header + "\n" + "\n".join(sections))
    print(f"wrote {ROOT / 'BENCHMARKS.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
