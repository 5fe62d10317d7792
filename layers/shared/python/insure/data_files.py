"""Where the data files shipped with the platform (rulebooks, guidance rules) are: `data/` at the repository root
locally, `/opt/data` in the Lambda layer. Found by walking up from this module, so both layouts work."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def data_dir(name: str) -> Path:
    """The folder `data/<name>` nearest above this module (repository checkout or `/opt` in Lambda)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "data" / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"data/{name} is not shipped with this deployment")
