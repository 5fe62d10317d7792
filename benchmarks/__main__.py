"""`make bench`: runs each benchmark module (`benchmarks/bench_*.py`, each exposing `run() -> str`, a Markdown
section) in its own fresh interpreter, so no benchmark inherits another's threads or local cloud, and writes
BENCHMARKS.md with the machine it ran on. `python -m benchmarks NAME…` runs only those and prints the sections."""

from __future__ import annotations

import datetime
import importlib
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run_isolated(name: str) -> str:
    with tempfile.NamedTemporaryFile("r", suffix=".md") as section:
        subprocess.run([sys.executable, "-m", "benchmarks", "--section-to", section.name, name], check=True, cwd=ROOT)
        return Path(section.name).read_text()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--section-to"]:
        target, name = argv[1], argv[2]
        print(f"== {name}", flush=True)
        Path(target).write_text(importlib.import_module(f"benchmarks.{name}").run())
        return 0
    names = sorted(p.stem for p in (ROOT / "benchmarks").glob("bench_*.py"))
    chosen = [n for n in names if not argv or n in argv or n.removeprefix("bench_") in argv]
    sections = [_run_isolated(name) for name in chosen]
    if argv:
        print("\n".join(sections))
        return 0
    header = (
        "# Benchmarks\n\n"
        f"Measured by `make bench` on {datetime.date.today().isoformat()}: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, each benchmark in a fresh interpreter. "
        "Figures are printed by the run that wrote this file; re-run `make bench` to refresh them.\n"
    )
    (ROOT / "BENCHMARKS.md").write_text(header + "\n" + "\n".join(sections))
    print(f"wrote {ROOT / 'BENCHMARKS.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
