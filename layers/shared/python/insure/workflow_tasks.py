"""The workflow functions serve two state machines: issuance (the payload names an `application_id`) and policy
amendments (the payload names an `amendment_id`). `insure.roots.workflows` picks the tasks a payload belongs to."""

from __future__ import annotations

from typing import Any, Protocol


class WorkflowTasks(Protocol):
    def underwrite(self, event: dict[str, Any]) -> dict[str, Any]: ...

    def offer(self, event: dict[str, Any]) -> dict[str, Any]: ...

    def await_callback(self, event: dict[str, Any]) -> dict[str, Any]: ...

    def charge(self, event: dict[str, Any]) -> dict[str, Any]: ...

    def issue(self, event: dict[str, Any]) -> dict[str, Any]: ...

    def record(self, event: dict[str, Any]) -> dict[str, Any]: ...
