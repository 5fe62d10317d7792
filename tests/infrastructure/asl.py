"""Static checks of Amazon States Language files (moto cannot validate ASL, so the tests do)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def placeholders(text: str) -> set[str]:
    """Every `${Name}` in an ASL file: each must have a definition substitution."""
    return set(PLACEHOLDER.findall(text))


def states(definition: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, state) for every state, descending into Parallel branches and Map iterators/item processors."""
    for name, state in definition.get("States", {}).items():
        here = f"{path}{name}"
        yield here, state
        for index, branch in enumerate(state.get("Branches", [])):
            yield from states(branch, f"{here}.Branches[{index}].")
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from states(state[key], f"{here}.{key}.")


def is_callback(state: dict[str, Any]) -> bool:
    return state.get("Type") == "Task" and str(state.get("Resource", "")).endswith(".waitForTaskToken")
