"""The local cloud's scheduler: every declared schedule has a timer that invokes its function on its own, as
EventBridge Scheduler does in AWS; a failed run is tried again at the next interval."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from local.scheduler import LocalScheduler, scheduled


class FunctionsFailingFirst:
    """The functions host, recording each invocation; each function's first run fails."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.twice_each = threading.Event()
        self._lock = threading.Lock()

    def invoke(self, name: str, event: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.calls.append((name, event))
            first = [n for n, _ in self.calls].count(name) == 1
            if all([n for n, _ in self.calls].count(f) >= 2 for f, _ in scheduled().values()):
                self.twice_each.set()
        if first:
            raise RuntimeError("the first run fails")
        return {"due": 0}


def test_each_schedule_s_timer_invokes_its_function_on_its_own_and_again_after_a_failure() -> None:
    functions = FunctionsFailingFirst()
    scheduler = LocalScheduler(interval_s=0.01)
    # When the local cloud starts its scheduler with a short interval, and nothing asks it to fire
    scheduler.start(SimpleNamespace(functions=functions))  # type: ignore[arg-type]
    try:
        assert scheduler.health() == "ok"
        # Then each schedule's function is invoked by its timer, and again after its first run failed
        assert functions.twice_each.wait(timeout=30), functions.calls  # a bound, not a measure: set when done
    finally:
        scheduler.stop()
    expected = {(function, name) for name, (function, _) in scheduled().items()}
    assert expected and {(n, e["schedule"]) for n, e in functions.calls} == expected
    assert all(scheduler.runs[name] >= 2 for name in scheduled())
    # And once stopped, the timers end
    for thread in scheduler._threads:
        thread.join(timeout=30)
    assert scheduler.health() == "down"
