"""A fix for moto 5.2.1's Step Functions parser, applied by the local cloud and the tests.

moto deep-copies the state machine on every `StartExecution`, including the list of its earlier executions, whose
live workers hold locks: the second execution of any state machine fails with "cannot pickle '_thread.RLock'"
(getmoto/moto#10077, fixed upstream by #10093 after 5.2.1). As upstream does, the copy gets an empty execution list
(the clone is only a snapshot of the definition for the new execution)."""

from __future__ import annotations

import copy
from typing import Any

from moto.stepfunctions.models import StateMachineInstance

_MARK = "_insure_deepcopy_fixed"


def _deepcopy_without_executions(self: Any, memo: dict[int, Any]) -> Any:
    memo[id(self.executions)] = []
    clone = object.__new__(type(self))
    memo[id(self)] = clone
    for name, value in vars(self).items():
        setattr(clone, name, copy.deepcopy(value, memo))
    return clone


def install() -> None:
    """Idempotent: patch once per process."""
    if getattr(StateMachineInstance, _MARK, False):
        return
    StateMachineInstance.__deepcopy__ = _deepcopy_without_executions  # type: ignore[attr-defined]
    setattr(StateMachineInstance, _MARK, True)
